"""A routine unrolled into parts: the units that "next" and "back" move between.

A hold with sides and sets becomes "set 1, left", "set 1, right", "rest", "set 2, left", ...; each
part knows what is said when it opens, what is said while its time runs (counted from its end, so a
pause only has to store the time left), and what is said when it closes. Pure data, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from voiceguide.messages import Earcon, Priority
from voiceguide.routine import HoldStep, ReadyStep, RepsStep, RestStep, Routine, SayStep

READY_PROMPT = "Say ready when you are set."
INTRO_STEP = -1
_FINISH_WORDS = {"hold": "Release.", "timed": "Time is up.", "reps": "Done."}


class CueMode(StrEnum):
    """How the last seconds of a hold are marked."""

    SPEECH = "speech"
    TONES = "tones"
    BOTH = "both"


class PartKind(StrEnum):
    SAY = "say"  # spoken, then the routine moves on
    READY = "ready"  # spoken, then waits for "ready"
    TIMED = "timed"  # spoken, then a timed phase with scheduled speech


@dataclass(frozen=True)
class Scheduled:
    """Something said while a part's time runs, `remaining` seconds before its end."""

    remaining: float
    text: str
    priority: Priority
    earcon: Earcon | None = None


@dataclass(frozen=True)
class Part:
    step: int  # index into routine.steps; INTRO_STEP for the introduction
    exercise: str  # the step's name, or a short description
    label: str  # where we are, for "how long": "Calf raises, set 2 of 3, left side"
    kind: PartKind
    opening: str  # said when the part starts
    opening_brief: str  # said instead with --brief, and when restating after an interruption
    full_text: str  # the full instruction, for "repeat"
    duration: float = 0.0
    schedule: tuple[Scheduled, ...] = ()  # sorted by `remaining`, largest (earliest) first
    closing: str | None = None
    closing_earcon: Earcon | None = None
    is_rest: bool = False


def seconds_phrase(seconds: float) -> str:
    """Spoken duration: "45 seconds", "1 minute", "1 minute 30 seconds"."""
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if rest or not minutes:
        parts.append(f"{rest} second{'s' if rest != 1 else ''}")
    return " ".join(parts)


def build_plan(routine: Routine, cue_mode: CueMode = CueMode.SPEECH) -> tuple[Part, ...]:
    """Every part of the routine in order, starting with the introduction."""
    parts = [_introduction(routine)]
    for index, step in enumerate(routine.steps):
        parts.extend(_step_parts(routine, index, step, cue_mode))
    return tuple(parts)


def _introduction(routine: Routine) -> Part:
    sentences = [f"{routine.title}.", routine.summary]
    if routine.equipment:
        sentences.append("You will need " + _joined(routine.equipment) + ".")
    full = " ".join([*sentences, *routine.safety])
    brief = " ".join([f"{routine.title}.", *routine.safety])  # safety is never shortened away
    return Part(INTRO_STEP, "Introduction", "Introduction", PartKind.READY, full, brief, full)


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _step_parts(routine: Routine, index: int, step, cue_mode: CueMode) -> list[Part]:
    if isinstance(step, SayStep | ReadyStep):
        return [_spoken_part(index, step)]
    if isinstance(step, RestStep):
        duration = step.duration or routine.defaults.rest
        opening = f"{step.text} {seconds_phrase(duration)}."
        return [_rest_part(index, "Rest", opening, duration, cue_mode)]
    return _exercise_parts(routine, index, step, cue_mode)


def _spoken_part(index: int, step: SayStep | ReadyStep) -> Part:
    kind = PartKind.READY if isinstance(step, ReadyStep) else PartKind.SAY
    title = f"{step.name}. " if step.name else ""
    suffix = f" {READY_PROMPT}" if kind is PartKind.READY and "ready" not in step.text.lower() else ""
    full = f"{title}{step.text}{suffix}"
    brief = f"{title}{step.brief or step.text}{suffix}"
    name = step.name or ("Get ready" if kind is PartKind.READY else "Instruction")
    return Part(index, name, name, kind, full, brief, full)


def _rest_part(index: int, exercise: str, opening: str, duration: float, cue_mode: CueMode) -> Part:
    return Part(
        index,
        exercise,
        f"{exercise}, rest",
        PartKind.TIMED,
        opening,
        opening,
        opening,
        duration,
        _countdown(duration, cue_mode, halfway=False),
        is_rest=True,
    )


def _exercise_parts(routine: Routine, index: int, step: HoldStep | RepsStep, cue_mode: CueMode) -> list[Part]:
    sets = step.sets or routine.defaults.sets
    rest = step.rest or routine.defaults.rest
    sides = [step.first_side, "right" if step.first_side == "left" else "left"] if step.sides else [None]
    timing, duration, schedule = _timing(routine, step, cue_mode)
    finish = step.finish if isinstance(step, HoldStep) and step.finish else _FINISH_WORDS[step.kind]
    parts: list[Part] = []
    for set_number in range(1, sets + 1):
        if set_number > 1:
            parts.append(_rest_part(index, step.name, f"Rest for {seconds_phrase(rest)}.", rest, cue_mode))
        for side_number, side in enumerate(sides):
            where = [f"set {set_number} of {sets}"] if sets > 1 else []
            where += [f"{side} side"] if side else []
            where_text = ", ".join(where)
            announce = f"{where_text[0].upper()}{where_text[1:]}. " if where_text else ""
            first = set_number == 1 and side_number == 0
            full = f"{step.name}. {step.text} {announce}{timing}"
            brief = f"{step.name}. {step.brief + ' ' if step.brief else ''}{announce}{timing}"
            switching = side_number + 1 < len(sides)
            parts.append(
                Part(
                    step=index,
                    exercise=step.name,
                    label=", ".join([step.name, *where]),
                    kind=PartKind.TIMED,
                    opening=full if first else f"{step.name}. {announce}{timing}",
                    opening_brief=brief if first else f"{announce}{timing}",
                    full_text=full,
                    duration=duration,
                    schedule=schedule,
                    closing=f"{finish} Switch sides." if switching else finish,
                    closing_earcon=Earcon.SWITCH if switching else None,
                )
            )
    return parts


def _timing(routine: Routine, step: HoldStep | RepsStep, cue_mode: CueMode) -> tuple[str, float, tuple[Scheduled, ...]]:
    """What is said just before the time starts, the part's length, and what is said during it."""
    if isinstance(step, RepsStep):
        tempo = step.tempo or routine.defaults.tempo
        duration = step.reps * tempo
        schedule: list[Scheduled] = []
        for rep in range(1, step.reps + 1):
            start = duration - (rep - 1) * tempo
            schedule.append(Scheduled(start, f"{step.count[0].capitalize()}.", Priority.TICK))
            schedule.append(Scheduled(start - tempo / 2, f"{step.count[1].capitalize()}, {rep}.", Priority.TICK))
        return f"{step.reps} times. Ready, go.", duration, tuple(schedule)
    duration = step.duration or routine.defaults.hold
    verb = "Hold for" if step.kind == "hold" else "Go on for"
    cues = [Scheduled(duration - cue.at, cue.say, Priority.INSTRUCTION) for cue in step.cues]
    schedule = sorted([*cues, *_countdown(duration, cue_mode, halfway=True)], key=lambda item: -item.remaining)
    return f"{verb} {seconds_phrase(duration)}. Begin.", duration, tuple(schedule)


def _countdown(duration: float, cue_mode: CueMode, *, halfway: bool) -> tuple[Scheduled, ...]:
    items: list[Scheduled] = []
    if halfway and duration >= 30:
        items.append(Scheduled(duration / 2, "Halfway.", Priority.TICK))
    if duration >= 20:
        items.append(Scheduled(10, "10 seconds.", Priority.TICK))
    if duration >= 6:
        for second in (3, 2, 1):
            text = "" if cue_mode is CueMode.TONES else f"{second}."
            earcon = None if cue_mode is CueMode.SPEECH else Earcon.TICK
            items.append(Scheduled(second, text, Priority.TICK, earcon))
    return tuple(items)


def spoken_texts(parts: tuple[Part, ...], brief: bool = False) -> list[str]:
    """Every fixed line the parts say, in the order they are first needed, each once: what a speaker
    renders ahead of time so that no line waits for its synthesis."""
    texts: dict[str, None] = {READY_PROMPT: None}
    for part in parts:
        texts.update(dict.fromkeys([part.opening_brief if brief else part.opening, *(item.text for item in part.schedule), part.closing or ""]))
    texts.pop("", None)
    return list(texts)
