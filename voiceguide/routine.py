"""The step-script format (pydantic models) and the strict loader that reports FILE:LINE:COLUMN problems.

A routine is written by hand, often by a physiotherapist, so every rule here comes with a message in
plain words that says what is wrong and what is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from voiceguide.strict_yaml import Document, YamlProblem, parse

MAX_FILE_BYTES = 256 * 1024
# A duration is seconds as a number, or text: "30", "30s", "2m", "1m30s", "90 seconds". The loader and the
# published schema are built from the same pieces, so they accept the same text.
_NUMBER = r"\d+(?:\.\d+)?"
_MINUTES = r"\s*(?:m|mins?|minutes?)"
_SECONDS = r"\s*(?:s|secs?|seconds?)"
_DURATION = re.compile(rf"(?:(?P<m>{_NUMBER}){_MINUTES})?\s*(?:(?P<s>{_NUMBER}){_SECONDS})?\Z")
_PLAIN_SECONDS = re.compile(rf"{_NUMBER}\Z")
DURATION_PATTERN = rf"^\s*(?:{_NUMBER}|(?=\d)(?:{_NUMBER}{_MINUTES})?\s*(?:{_NUMBER}{_SECONDS})?)\s*$"
DURATION_LIMITS = (1, 3600)
DURATION_HELP = "write a duration such as 30, 30s, 2m or 1m30s"


def parse_duration(value: Any) -> float:
    """Seconds from `30`, `30s`, `2m` or `1m30s`; raises ValueError in plain words otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(DURATION_HELP)
    text = value.strip() if isinstance(value, str) else ""
    if isinstance(value, int | float) or _PLAIN_SECONDS.match(text):
        seconds = float(value)
    elif text and (match := _DURATION.match(text)):
        seconds = float(match["m"] or 0) * 60 + float(match["s"] or 0)
    elif text.startswith("-") and (_PLAIN_SECONDS.match(text[1:]) or _DURATION.match(text[1:].strip())):
        seconds = -1.0
    else:
        raise ValueError(DURATION_HELP)
    if seconds < 0:
        raise ValueError("a duration cannot be negative; write how long it lasts, such as 30s")
    if seconds == 0:
        raise ValueError("a duration of zero leaves no time at all; write at least 1 second, such as 30s")
    low, high = DURATION_LIMITS
    if not low <= seconds <= high:
        raise ValueError("a duration must be between 1 second and 60 minutes")
    return seconds


Seconds = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema({
        "anyOf": [
            {"type": "number", "minimum": DURATION_LIMITS[0], "maximum": DURATION_LIMITS[1]},
            {"type": "string", "pattern": DURATION_PATTERN},
        ],
        "description": "Seconds (30), or text such as 30s, 2m or 1m30s; from 1 second to 60 minutes.",
    }),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Cue(_Strict):
    """Something said part-way through a hold, e.g. "keep your heel on the floor"."""

    at: Seconds = Field(description="Seconds after the hold begins.")
    say: ShortText


class Defaults(_Strict):
    hold: Seconds = 30.0
    rest: Seconds = 15.0
    tempo: Seconds = Field(3.0, description="Seconds for one repetition (up and down).")
    sets: Annotated[int, Field(ge=1, le=20)] = 1
    switch: Seconds = Field(5.0, description="Time to change position between the left and the right side.")


class _Instruction(_Strict):
    name: ShortText | None = Field(None, description="A short title for the exercise, spoken first.")
    text: Text = Field(description="The full instruction, spoken in full the first time and on 'repeat'.")
    brief: ShortText | None = Field(None, description="A short form spoken instead of text with --brief.")


class SayStep(_Instruction):
    """An instruction that is spoken, then the routine moves on."""

    kind: Literal["say"]


class ReadyStep(_Instruction):
    """An instruction, then the routine waits until the person says "ready"."""

    kind: Literal["ready"]


class _Exercise(_Instruction):
    name: ShortText
    sides: StrictBool = Field(False, description="Do it on the left, then on the right; each side gets the full time.")
    first_side: Literal["left", "right"] = "left"
    sets: Annotated[int, Field(ge=1, le=20)] | None = None
    rest: Seconds | None = Field(None, description="Rest between sets; the routine's default when left out.")
    switch: Seconds | None = Field(
        None, description="Time to change position between the sides; the routine's default when left out."
    )


class HoldStep(_Exercise):
    """A position held for a time, with a spoken countdown."""

    kind: Literal["hold", "timed"]
    duration: Seconds | None = Field(None, description="How long to hold; the routine's default when left out.")
    cues: list[Cue] = Field(default_factory=list, max_length=30)
    finish: ShortText | None = Field(None, description='Said when the time is up; "Release." by default.')


class RepsStep(_Exercise):
    """Counted repetitions in a tempo: "up ... and down, one"."""

    kind: Literal["reps"]
    reps: Annotated[int, Field(ge=1, le=200)]
    tempo: Seconds | None = Field(None, description="Seconds for one repetition; the routine's default if left out.")
    count: tuple[ShortText, ShortText] = Field(
        ("up", "and down"), description="The two words of one repetition; the number follows the second."
    )


class RestStep(_Strict):
    """A rest between exercises."""

    kind: Literal["rest"]
    duration: Seconds | None = None
    text: ShortText = "Rest."


Step = Annotated[SayStep | ReadyStep | HoldStep | RepsStep | RestStep, Field(discriminator="kind")]


class Routine(_Strict):
    """A whole routine, as written in a step script."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    title: ShortText
    summary: Text
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[a-zA-Z0-9]{2,8})?$")] = "en"
    source: ShortText | None = None
    equipment: list[ShortText] = Field(default_factory=list, max_length=20)
    safety: list[Text] = Field(
        default_factory=list, max_length=20,
        description="Spoken before the first session, and whenever the person says 'safety'.",
    )
    safety_brief: ShortText | None = Field(
        None, description="One sentence of safety for the short start of later sessions; the first sentence "
        "of the safety notes when left out.",
    )
    notes: list[Text] = Field(default_factory=list, max_length=20, description="Shown by `show`, not spoken.")
    pain_limit: Annotated[int, Field(ge=0, le=10)] = 5
    defaults: Defaults = Defaults()
    steps: list[Step] = Field(min_length=1, max_length=200)

    @field_validator("safety", "equipment", "notes", mode="before")
    @classmethod
    def _one_item_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class RoutineError(Exception):
    """A routine file could not be used. `problems` are complete FILE:LINE:COLUMN lines."""

    def __init__(self, problems: list[str], *, missing: bool = False) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.missing = missing


def load_routine(path: Path) -> Routine:
    """Read and validate a step script. Raises RoutineError with every problem found.

    The routine's name must be its file name (my-calves.yaml holds `name: my-calves`), because
    `voiceguide NAME` finds routines by file name; a file that breaks this rule hears so first.
    """
    return _validated(_document(_read_text(path), str(path)), str(path), path)


def parse_routine(text: str, filename: str) -> Routine:
    """Validate step-script text; `filename` is only used in the messages."""
    return _validated(_document(text, filename), filename)


def _document(text: str, filename: str) -> Document:
    try:
        document = parse(text)
    except YamlProblem as problem:
        raise RoutineError([f"{filename}:{problem.line}:{problem.column}: {problem.message}"]) from None
    if not isinstance(document.value, dict):
        found = "a list" if isinstance(document.value, list) else "a single value"
        raise RoutineError(
            [f"{filename}:1:1: the file holds {found}; a routine must be a set of fields such as 'name:' and 'steps:'"]
        )
    return document


def _validated(document: Document, filename: str, path: Path | None = None) -> Routine:
    problems = _misnamed(document, filename, path)
    try:
        routine = Routine.model_validate(document.value)
    except ValidationError as error:
        found = [_describe(filename, document, item) for item in error.errors()]
        raise RoutineError(problems + sorted(found, key=_line_order)) from None
    problems += _late_cues(routine, document, filename)
    if problems:
        raise RoutineError(problems)
    return routine


def _misnamed(document: Document, filename: str, path: Path | None) -> list[str]:
    name = document.value.get("name")
    if path is None or not isinstance(name, str) or name.strip() == path.stem:
        return []
    line, column = document.position(("name",))
    return [(f"{filename}:{line}:{column}: name: the name '{name.strip()}' must be the file's name, because "
             f"routines are found by file name; rename the file to '{name.strip()}{path.suffix}' or write "
             f"'name: {path.stem}'")]


def _line_order(problem: str) -> tuple[int, int]:
    _, line, column, _ = problem.split(":", 3)
    return (int(line), int(column)) if line.isdigit() and column.isdigit() else (0, 0)


def _late_cues(routine: Routine, document: Document, filename: str) -> list[str]:
    """Cues must fall inside their hold; checked after validation because a hold may use the default length."""
    problems = []
    for index, step in enumerate(routine.steps):
        if not isinstance(step, HoldStep):
            continue
        duration = step.duration or routine.defaults.hold
        for number, cue in enumerate(step.cues):
            if cue.at >= duration:
                path = ("steps", index, "cues", number, "at")
                line, column = document.position(path)
                problems.append(
                    f"{filename}:{line}:{column}: {_path_label(path)}: the cue '{cue.say}' at {cue.at:g} seconds "
                    f"comes after the hold ends at {duration:g} seconds; give it an 'at' below {duration:g}"
                )
    return problems


def _read_text(path: Path) -> str:
    if not path.exists():
        raise RoutineError([f"{path}: no such file; check the name, or run 'voiceguide list'"], missing=True)
    if path.is_dir():
        raise RoutineError([f"{path}: this is a folder; give the path of a routine file (.yaml)"], missing=True)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise RoutineError([f"{path}: cannot be read ({error.strerror}); check its permissions"]) from None
    if len(data) > MAX_FILE_BYTES:
        raise RoutineError(
            [f"{path}:1:1: the file is larger than {MAX_FILE_BYTES // 1024} KB; a routine is a short text file"]
        )
    if b"\x00" in data:
        raise RoutineError([f"{path}:1:1: this is a binary file, not a routine; routines are YAML text files"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RoutineError([f"{path}:{line}:1: the text is not UTF-8; save the file as UTF-8"]) from None
    return text.removeprefix("\ufeff")


_FIELD_LABELS = {"say": "kind", "ready": "kind", "hold": "kind", "timed": "kind", "reps": "kind", "rest": "kind"}


def _error_path(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Pydantic's location without the union-member names it inserts (e.g. steps.2.hold.duration)."""
    path: list[str | int] = []
    for index, part in enumerate(loc):
        follows_step = index >= 2 and loc[index - 2] == "steps" and isinstance(loc[index - 1], int)
        if follows_step and part in _FIELD_LABELS:
            continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        path.append(part)
    return tuple(path)


def _path_label(path: tuple[str | int, ...]) -> str:
    label = ""
    for part in path:
        label += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if label else part)
    return label or "routine"


def _describe(filename: str, document: Document, error: Any) -> str:
    path = _error_path(tuple(error["loc"]))
    line, column = document.position(path)
    return f"{filename}:{line}:{column}: {_path_label(path)}: {_explain(error, path)}"


def _explain(error: Any, path: tuple[str | int, ...]) -> str:
    """Pydantic's error in words a routine author understands."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    field = path[-1] if path else "routine"
    if kind == "missing":
        return f"the field '{field}' is required here; add it"
    if kind == "extra_forbidden":
        return f"'{field}' is not a field we know here; check the spelling (see 'voiceguide schema')"
    if kind == "union_tag_invalid":
        return f"unknown kind '{ctx.get('tag')}'; use one of: say, ready, hold, timed, reps, rest"
    if kind == "union_tag_not_found":
        return "each step needs a 'kind': say, ready, hold, timed, reps or rest"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("string_type", "int_type", "int_parsing", "int_from_float", "bool_type", "bool_parsing"):
        wanted = {"string": "text", "int": "a whole number", "bool": "true or false"}[kind.split("_")[0]]
        return f"this must be {wanted}, not {_shown(error.get('input'))}"
    if kind in ("list_type", "tuple_type"):
        return f"this must be a list (lines starting with '- '), not {_shown(error.get('input'))}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"this must be a block of fields (name: value lines), not {_shown(error.get('input'))}"
    if kind == "string_too_short":
        return "this must not be empty; write some text"
    if kind == "string_too_long":
        return f"this text is too long; keep it under {ctx.get('max_length')} characters"
    if kind == "too_short":
        return "this list is empty; add at least one" + (" step" if field == "steps" else " item")
    if kind == "too_long":
        return f"this has too many items; at most {ctx.get('max_length')} are allowed"
    if kind == "string_pattern_mismatch":
        if field == "name":
            return "a name uses lower-case letters, digits and hyphens only, such as 'heel-spur'"
        return "a language is a code such as 'en', 'en-us' or 'ko'"
    if kind == "literal_error":
        return f"this must be one of: {ctx.get('expected')}"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"this number is out of range; allowed: {_range(path)}"
    return str(error["msg"])


def _range(path: tuple[str | int, ...]) -> str:
    return {"sets": "1 to 20", "reps": "1 to 200", "pain_limit": "0 to 10"}.get(str(path[-1]), "see the schema")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a block of fields"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the step-script format, for editors."""
    schema = Routine.model_json_schema()
    schema["title"] = "voiceguide routine"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
