"""The step-script loader: strict YAML, plain-word problems with FILE:LINE:COLUMN, never a traceback."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiceguide.library import available, builtin_folder
from voiceguide.preview import preview
from voiceguide.routine import (
    MAX_FILE_BYTES,
    HoldStep,
    RepsStep,
    RoutineError,
    load_routine,
    parse_duration,
    parse_routine,
)
from voiceguide.strict_yaml import parse

HEAD = "name: t\ntitle: T\nsummary: S.\n"
HOLD = HEAD + "steps:\n  - kind: hold\n    name: A\n    text: B\n"

BROKEN = [
    ("", "r.yaml:1:1: the file is empty; a routine needs at least a name, a title and steps"),
    ("# nothing\n", "r.yaml:1:1: the file is empty; a routine needs at least a name, a title and steps"),
    ("name: [unclosed\n",
     "r.yaml:1:7: this is not valid YAML: the list that opens with '[' here is not closed; add ']', with ',' between items"),
    ("name: t\n\ttitle: T\n", "r.yaml:2:1: this is not valid YAML: a tab indents this line; indent with spaces"),
    ('name: t\ntitle: "Calf\nsummary: S.\nsteps: []\n',
     "r.yaml:2:8: this is not valid YAML: the quoted text that starts here is never closed; add the closing quote"),
    ("name: t\ndefaults: {hold: 30s\nsteps: []\n",
     ("r.yaml:2:11: this is not valid YAML: the block that opens with '{' here is not closed; add '}', with ',' "
      "between fields")),
    ("name: t\nsteps:\n  - kind: say\n    text: a\n   name: b\n",
     ("r.yaml:5:4: this is not valid YAML: this line is indented unlike the block that starts at line 3; line it up "
      "with the other lines of that block")),
    ("name: t\ntitle: Calf: raises\n",
     "r.yaml:2:12: this is not valid YAML: a second ': ' on this line; put text that holds ': ' in quotes"),
    (HEAD + "steps:\n  - kind: rest\n    duration: -5s\n",
     "r.yaml:6:5: steps[1].duration: a duration cannot be negative; write how long it lasts, such as 30s"),
    (HEAD + "steps:\n  - kind: rest\n    duration: 0\n",
     "r.yaml:6:5: steps[1].duration: a duration of zero leaves no time at all; write at least 1 second, such as 30s"),
    ("- a\n- b\n", "r.yaml:1:1: the file holds a list; a routine must be a set of fields such as 'name:' and 'steps:'"),
    ("just words\n",
     "r.yaml:1:1: the file holds a single value; a routine must be a set of fields such as 'name:' and 'steps:'"),
    (HEAD + "steps: !!python/object:os.system {}\n",
     "r.yaml:4:8: YAML tags such as !!python/object:os.system are not allowed; write plain text, numbers and lists"),
    (HEAD + "x: &a [1]\nsteps: *a\n", "r.yaml:4:4: YAML anchors (&name) are not allowed; write each value out in full"),
    (HEAD + "steps: *a\n", "r.yaml:4:8: YAML aliases (*name) are not allowed; write the value out in full"),
    (HEAD + "title: Again\nsteps: []\n", "r.yaml:4:1: the key 'title' appears twice in the same block; keep only one"),
    (HEAD, "r.yaml:1:1: steps: the field 'steps' is required here; add it"),
    (HEAD + "steps: []\n", "r.yaml:4:1: steps: this list is empty; add at least one step"),
    (HEAD + "colour: red\nsteps:\n  - kind: say\n    text: Hi\n",
     "r.yaml:4:1: colour: 'colour' is not a field we know here; check the spelling (see 'voiceguide schema')"),
    (HEAD + "steps:\n  - kind: jump\n    text: Hi\n",
     "r.yaml:5:5: steps[1]: unknown kind 'jump'; use one of: say, ready, hold, timed, reps, rest"),
    (HEAD + "steps:\n  - text: Hi\n", "r.yaml:5:5: steps[1]: each step needs a 'kind': say, ready, hold, timed, reps or rest"),
    (HOLD + "    duration: soon\n", "r.yaml:8:5: steps[1].duration: write a duration such as 30, 30s, 2m or 1m30s"),
    (HOLD + "    duration: 90m\n", "r.yaml:8:5: steps[1].duration: a duration must be between 1 second and 60 minutes"),
    (HOLD + "    sides: yes\n", "r.yaml:8:5: steps[1].sides: this must be true or false, not 'yes'"),
    (HEAD + "steps:\n  - kind: reps\n    name: A\n    text: B\n    reps: 0\n",
     "r.yaml:8:5: steps[1].reps: this number is out of range; allowed: 1 to 200"),
    (HEAD + "steps:\n  - kind: reps\n    name: A\n    text: B\n",
     "r.yaml:5:5: steps[1].reps: the field 'reps' is required here; add it"),
    ("name: Heel Spur\ntitle: T\nsummary: S.\nsteps:\n  - kind: say\n    text: Hi\n",
     "r.yaml:1:1: name: a name uses lower-case letters, digits and hyphens only, such as 'heel-spur'"),
    (HOLD + "    duration: 10s\n    cues:\n      - {at: 12s, say: Late}\n",
     ("r.yaml:10:10: steps[1].cues[1].at: the cue 'Late' at 12 seconds comes after the hold ends at 10 seconds; "
      "give it an 'at' below 10")),
    (HEAD + "steps:\n  - kind: say\n    text: ''\n", "r.yaml:6:5: steps[1].text: this must not be empty; write some text"),
    (HEAD + "steps: []\n---\nname: u\n",
     "r.yaml:5:1: the file holds more than one YAML document; keep one routine per file"),
    ("name: t\ntitle: 2024\nsummary: S.\nsteps:\n  - kind: say\n    text: Hi\n",
     "r.yaml:2:1: title: this must be text, not 2024"),
]


@pytest.mark.parametrize(("text", "message"), BROKEN, ids=[f"broken-{i}" for i in range(len(BROKEN))])
def test_each_broken_routine_gets_exactly_this_message(text, message):
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "r.yaml")
    assert caught.value.problems == [message]


def test_several_problems_are_all_reported_in_line_order():
    text = HEAD + "steps:\n  - kind: hold\n    name: A\n    text: B\n    sides: on\n    duration: x\n"
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "r.yaml")
    assert [problem.split(": ", 1)[0] for problem in caught.value.problems] == ["r.yaml:8:5", "r.yaml:9:5"]


def test_yaml_1_2_scalars_stay_text_where_yaml_1_1_would_guess():
    routine = parse_routine(HEAD + "equipment: [yes, no, on, Off]\nsteps:\n  - kind: hold\n    name: A\n"
                            "    text: B\n    sides: true\n", "r")
    assert routine.equipment == ["yes", "no", "on", "Off"]
    assert routine.steps[0].sides is True


@pytest.mark.parametrize(("written", "seconds"), [(30, 30), ("30", 30), ("30s", 30), ("1m30s", 90), ("2m", 120),
                                                  ("1.5s", 1.5), (" 45 s ", 45), ("30 seconds", 30),
                                                  ("2 minutes", 120), ("1.5m", 90), ("1 min 5 sec", 65)])
def test_durations(written, seconds):
    assert parse_duration(written) == seconds


def test_defaults_apply_and_steps_override_them():
    text = HEAD + ("defaults: {hold: 20s, sets: 2}\nsteps:\n  - kind: hold\n    name: A\n    text: B\n"
                   "  - kind: reps\n    name: C\n    text: D\n    reps: 5\n    tempo: 2s\n    sets: 1\n")
    routine = parse_routine(text, "r")
    hold, reps = routine.steps
    assert isinstance(hold, HoldStep) and hold.duration is None and routine.defaults.hold == 20
    assert isinstance(reps, RepsStep) and reps.tempo == 2 and reps.sets == 1


def _file_problem(path: Path) -> RoutineError:
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    return caught.value


def test_files_that_are_not_routines(tmp_path):
    missing = _file_problem(tmp_path / "nope.yaml")
    expected = f"{tmp_path / 'nope.yaml'}: no such file; check the name, or run 'voiceguide list'"
    assert missing.missing and missing.problems == [expected]
    folder = _file_problem(tmp_path)
    assert folder.missing and "this is a folder" in folder.problems[0]
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    expected = f"{binary}:1:1: this is a binary file, not a routine; routines are YAML text files"
    assert _file_problem(binary).problems == [expected]
    latin = tmp_path / "l.yaml"
    latin.write_bytes(b"name: t\ntitle: Caf\xe9\n")
    assert _file_problem(latin).problems == [f"{latin}:2:1: the text is not UTF-8; save the file as UTF-8"]
    huge = tmp_path / "h.yaml"
    huge.write_text("# " + "x" * MAX_FILE_BYTES)
    assert "larger than 256 KB" in _file_problem(huge).problems[0]


def test_the_name_must_be_the_file_name_and_says_so_before_any_other_problem(tmp_path):
    path = tmp_path / "wrong-name.yaml"
    path.write_text(HEAD + "steps:\n  - kind: say\n    text: Hi\n    colour: red\n")
    assert _file_problem(path).problems == [
        (f"{path}:1:1: name: the name 't' must be the file's name, because routines are found by file name; "
         "rename the file to 't.yaml' or write 'name: wrong-name'"),
        f"{path}:7:5: steps[1].colour: 'colour' is not a field we know here; check the spelling (see 'voiceguide schema')",
    ]


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_bytes(("\ufeff" + HEAD + "steps:\n  - kind: say\n    text: Hi\n").encode())
    assert load_routine(path).name == "t"


def test_an_alias_bomb_is_refused_before_it_expands():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(20))
    with pytest.raises(RoutineError, match="anchors"):
        parse_routine(bomb, "bomb.yaml")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["name: t", "title: T", "summary: S.", "steps:", "  - kind: hold", "    name: A",
                              "    text: B", "    duration: 1m", "  - kind: reps", "    reps: 3", "&a", "*a",
                              "!!str", "- x", "  ", "\t", "{", "[", "]", "'", '"', ":", "---", "? x"]),
             max_size=12).map("\n".join),
))
def test_fuzz_no_input_escapes_as_anything_but_a_routine_or_a_routine_error(text):
    try:
        parse_routine(text, "fuzz.yaml")
    except RoutineError as error:
        assert error.problems and all(problem.startswith("fuzz.yaml:") for problem in error.problems)
        assert all("\n" not in problem for problem in error.problems)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_bytes_from_disk(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "r.yaml"
    path.write_bytes(data)
    try:
        load_routine(path)
    except RoutineError as error:
        assert error.problems


BUILT_IN = sorted(entry.path for entry in available() if entry.origin == "built-in")


def test_the_four_built_in_routines_are_shipped():
    assert [path.stem for path in BUILT_IN] == ["foot-massage", "heel-spur", "high-heels", "morning-legs"]
    assert all(path.parent == builtin_folder() for path in BUILT_IN)


@pytest.mark.parametrize("path", BUILT_IN, ids=lambda path: path.stem)
def test_every_built_in_routine_validates_and_previews(path):
    routine = load_routine(path)
    assert routine.name == path.stem
    result = preview(routine)
    assert 5 * 60 < result.total_seconds < 30 * 60
    lines = result.transcript.splitlines()
    assert lines[0].startswith(f"[00:00] {routine.title}.")
    assert lines[-1].endswith("Rest now, and take care.")


@functools.cache
def _schema_validator():
    import jsonschema

    schema = json.loads(subprocess.run([sys.executable, "-m", "voiceguide", "schema"], capture_output=True, text=True,
                                       check=True).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_built_in_routine_and_the_readme_example_pass_the_published_schema():
    validator = _schema_validator()
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Writing a routine", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    documents = {path.name: parse(path.read_text(encoding="utf-8")).value for path in builtin_folder().glob("*.yaml")}
    documents["README example"] = parse(example).value
    parse_routine(example, "my-calves.yaml")
    assert len(documents) == 5
    for name, document in documents.items():
        assert [error.message for error in validator.iter_errors(document)] == [], name


@pytest.mark.parametrize(
    "written",
    ["30", "30s", "2m", "1m30s", "1.5m", "90 seconds", "2 minutes 10 seconds", " 45 s ", "1m30", "m", "", "abc",
     "30 30s", "-5s", "1h", "30s2m"],
)
def test_the_schema_and_the_loader_agree_on_which_texts_are_durations(written):
    validator = _schema_validator()
    step = {"kind": "rest", "duration": written}
    document = {"name": "t", "title": "T", "summary": "S.", "steps": [step]}
    try:
        parse_duration(written)
        loads = True
    except ValueError:
        loads = False
    assert validator.is_valid(document) == loads
