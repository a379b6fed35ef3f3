"""A routine unrolled into parts: the units that "next" and "back" move between.

A hold with sides and sets becomes "set 1, left", "set 1, right", "rest", "set 2, left", ...; each
part knows what is said when it opens, what is said while its time runs (counted from its end, so a
pause only has to store the time left), and what is said when it closes. Pure data, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from voiceguide.commands import PHRASES, Command
from voiceguide.messages import Earcon, Priority
from voiceguide.routine import HoldStep, ReadyStep, RepsStep, RestStep, Routine, SayStep
from voiceguide.wording import Line, Wording, wording

INTRO_STEP = -1
_FINISH_WORDS = {"hold": Line.RELEASE, "timed": Line.TIME_IS_UP, "reps": Line.REPS_DONE}
_CUE_EVERY = 3  # a cue written once for an exercise is said in its first part, then in every third one
SPEECH_WORDS_PER_SECOND = 160 / 60


class Intro(StrEnum):
    """How a session begins: the whole introduction the first time, a short one once the routine is known."""

    FULL = "full"
    SHORT = "short"


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
    go: str = ""  # said as the part's time starts ("Begin."), after its opening has been heard
    schedule: tuple[Scheduled, ...] = ()  # sorted by `remaining`, largest (earliest) first
    closing: str | None = None
    closing_earcon: Earcon | None = None
    is_rest: bool = False  # a rest or the time to change sides: "back" passes over it


def seconds_phrase(seconds: float, language: str = "en") -> str:
    """Spoken duration: "45 seconds", "1 minute", "1 minute 30 seconds"."""
    return wording(language).duration(seconds)


def estimated_speech_seconds(text: str) -> float:
    """A speaking-time estimate at the default rate, for status answers and simulated speech."""
    return 0.3 + len(text.split()) / SPEECH_WORDS_PER_SECOND


def estimated_part_seconds(part: Part) -> float:
    """The part's time and the words said around it (its opening, "Begin." and its closing)."""
    said = [text for text in (part.opening, part.go, part.closing) if text]
    return sum(estimated_speech_seconds(text) for text in said) + part.duration


def build_plan(routine: Routine, cue_mode: CueMode = CueMode.SPEECH, intro: Intro = Intro.FULL) -> tuple[Part, ...]:
    """Every part of the routine in order, starting with the introduction, worded in its language.

    With `Intro.SHORT` (the routine was played before) the introduction is a few sentences and the
    setting-up instructions of ready steps come in their short form; "repeat" still gives them in full.
    """
    words = wording(routine.language)
    steps = [part for index, step in enumerate(routine.steps)
             for part in _step_parts(routine, words, index, step, cue_mode, intro)]
    return (_introduction(routine, words, intro, steps), *steps)


def _introduction(routine: Routine, words: Wording, intro: Intro, steps: list[Part]) -> Part:
    sentences = [f"{routine.title}.", words(Line.SKIP_INTRODUCTION), routine.summary]
    if routine.equipment:
        sentences.append(words(Line.NEED, items=words.listing(routine.equipment)))
    full = " ".join([*sentences, *routine.safety])
    if intro is Intro.SHORT:
        minutes = max(1, round(sum(estimated_part_seconds(part) for part in steps) / 60))
        short = words(Line.SHORT_INTRODUCTION, title=routine.title, minutes=words.duration(60 * minutes),
                      safety=safety_sentence(routine))
        opening = brief = " ".join(short.split())
    else:
        opening = full
        brief = " ".join([f"{routine.title}.", words(Line.SKIP_INTRODUCTION), *routine.safety])  # never shortened away
    name = words(Line.INTRODUCTION)
    return Part(INTRO_STEP, name, name, PartKind.READY, opening, brief, full)


def safety_sentence(routine: Routine) -> str:
    """The routine's one sentence of safety, else the first sentence of its safety notes."""
    if routine.safety_brief or not routine.safety:
        return routine.safety_brief or ""
    return re.split(r"(?<=[.!?])\s+", routine.safety[0], maxsplit=1)[0]


def _step_parts(routine: Routine, words: Wording, index: int, step, cue_mode: CueMode, intro: Intro) -> list[Part]:
    if isinstance(step, SayStep | ReadyStep):
        return [_spoken_part(words, index, step, known=intro is Intro.SHORT)]
    if isinstance(step, RestStep):
        duration = step.duration or routine.defaults.rest
        opening = f"{step.text} {words.duration(duration)}."
        return [_rest_part(words, index, words(Line.REST), opening, duration, cue_mode)]
    return _exercise_parts(routine, words, index, step, cue_mode)


def _spoken_part(words: Wording, index: int, step: SayStep | ReadyStep, *, known: bool) -> Part:
    """A say or ready step; `known`: a later session, where setting up is said in its short form."""
    kind = PartKind.READY if isinstance(step, ReadyStep) else PartKind.SAY
    title = f"{step.name}. " if step.name else ""
    ready_word = PHRASES.get(words.language, PHRASES["en"])[Command.READY][0]

    def worded(text: str) -> str:
        says_ready = ready_word in text.lower()
        return f"{title}{text} {words(Line.READY_PROMPT)}" if kind is PartKind.READY and not says_ready else title + text

    full, brief = worded(step.text), worded(step.brief or step.text)
    name = step.name or words(Line.GET_READY if kind is PartKind.READY else Line.INSTRUCTION)
    return Part(index, name, name, kind, brief if known and kind is PartKind.READY else full, brief, full)


def _rest_part(words: Wording, index: int, exercise: str, opening: str, duration: float, cue_mode: CueMode) -> Part:
    return Part(
        index,
        exercise,
        f"{exercise}, {words(Line.REST).lower()}",
        PartKind.TIMED,
        opening,
        opening,
        opening,
        duration=duration,
        schedule=_countdown(words, duration, cue_mode, halfway=False),
        is_rest=True,
    )


def _exercise_parts(
    routine: Routine, words: Wording, index: int, step: HoldStep | RepsStep, cue_mode: CueMode
) -> list[Part]:
    """Each set and side of an exercise. Its name is said once, in the first part; its cues in the first
    part and then only every third one; between the sides, `switch` seconds to change position."""
    sets = step.sets or routine.defaults.sets
    rest = step.rest or routine.defaults.rest
    switch = step.switch or routine.defaults.switch
    sides = [step.first_side, "right" if step.first_side == "left" else "left"] if step.sides else [None]
    timing, go, duration, cues, countdown = _timing(routine, words, step, cue_mode)
    finish = step.finish if isinstance(step, HoldStep) and step.finish else words(_FINISH_WORDS[step.kind])
    side_words = {"left": words(Line.LEFT), "right": words(Line.RIGHT)}
    parts: list[Part] = []
    for set_number in range(1, sets + 1):
        if set_number > 1:
            resting = words(Line.REST_FOR, time=words.duration(rest))
            parts.append(_rest_part(words, index, step.name, resting, rest, cue_mode))
        for side_number, side in enumerate(sides):
            if side_number:
                parts.append(_switch_part(words, index, step.name, switch))
            where = [words(Line.SET_OF, number=set_number, sets=sets)] if sets > 1 else []
            where += [words(Line.SIDE, side=side_words[side])] if side else []
            where_text = ", ".join(where)
            announce = f"{where_text[0].upper()}{where_text[1:]}. " if where_text else ""
            number = (set_number - 1) * len(sides) + side_number
            full = f"{step.name}. {step.text} {announce}{timing}"
            brief = f"{step.name}. {step.brief + ' ' if step.brief else ''}{announce}{timing}"
            switching = side_number + 1 < len(sides)
            parts.append(
                Part(
                    step=index,
                    exercise=step.name,
                    label=", ".join([step.name, *where]),
                    kind=PartKind.TIMED,
                    opening=full if number == 0 else f"{announce}{timing}",
                    opening_brief=brief if number == 0 else f"{announce}{timing}",
                    full_text=full,
                    duration=duration,
                    go=go,
                    schedule=tuple(sorted([*cues, *countdown], key=lambda item: -item.remaining))
                    if number % _CUE_EVERY == 0 else countdown,
                    closing=finish,
                    closing_earcon=Earcon.SWITCH if switching else None,
                )
            )
    return parts


def _switch_part(words: Wording, index: int, exercise: str, seconds: float) -> Part:
    """Time to change position between the sides, after "Switch sides." (no countdown: it is short)."""
    switch = words(Line.SWITCH_SIDES)
    label = f"{exercise}, {words(Line.CHANGING_SIDES)}"
    return Part(index, exercise, label, PartKind.TIMED, switch, switch, switch, duration=seconds, is_rest=True)


def _timing(
    routine: Routine, words: Wording, step: HoldStep | RepsStep, cue_mode: CueMode
) -> tuple[str, str, float, tuple[Scheduled, ...], tuple[Scheduled, ...]]:
    """What is said just before the time starts, what is said as it starts, the part's length, and what
    is said during it: the routine's cues, and the counting or countdown (each sorted, earliest first).
    Repetitions say "go" in their opening: their first count starts with the time."""
    if isinstance(step, RepsStep):
        tempo = step.tempo or routine.defaults.tempo
        duration = step.reps * tempo
        schedule: list[Scheduled] = []
        for rep in range(1, step.reps + 1):
            start = duration - (rep - 1) * tempo
            schedule.append(Scheduled(start, f"{step.count[0].capitalize()}.", Priority.TICK))
            schedule.append(Scheduled(start - tempo / 2, f"{step.count[1].capitalize()}, {rep}.", Priority.TICK))
        return words(Line.REPS, reps=step.reps), "", duration, (), tuple(schedule)
    duration = step.duration or routine.defaults.hold
    verb = Line.HOLD_FOR if step.kind == "hold" else Line.GO_ON_FOR
    cues = tuple(sorted((Scheduled(duration - cue.at, cue.say, Priority.INSTRUCTION) for cue in step.cues),
                        key=lambda item: -item.remaining))
    countdown = _countdown(words, duration, cue_mode, halfway=True)
    return words(verb, time=words.duration(duration)), words(Line.BEGIN), duration, cues, countdown


def _countdown(words: Wording, duration: float, cue_mode: CueMode, *, halfway: bool) -> tuple[Scheduled, ...]:
    items: list[Scheduled] = []
    if halfway and duration >= 30:
        items.append(Scheduled(duration / 2, words(Line.HALFWAY), Priority.TICK))
    if duration >= 20:
        items.append(Scheduled(10, words(Line.COUNT, time=words.duration(10)), Priority.TICK))
    if duration >= 6:
        for second in (3, 2, 1):
            text = "" if cue_mode is CueMode.TONES else f"{second}."
            earcon = None if cue_mode is CueMode.SPEECH else Earcon.TICK
            items.append(Scheduled(second, text, Priority.TICK, earcon))
    return tuple(items)


def spoken_texts(parts: tuple[Part, ...], brief: bool = False, language: str = "en") -> list[str]:
    """Every fixed line the parts say, in the order they are first needed, each once: what a speaker
    renders ahead of time so that no line waits for its synthesis."""
    words = wording(language)
    texts: dict[str, None] = dict.fromkeys([words(Line.READY_PROMPT), words(Line.READY_PROMPT_KEYS)])
    for part in parts:
        said = [part.opening_brief if brief else part.opening, part.go, *(item.text for item in part.schedule),
                part.closing or ""]
        texts.update(dict.fromkeys(said))
    texts.pop("", None)
    return list(texts)
