"""What the engine answers when asked, worded (pure): where we are and how much is left, a part restated
after an interruption, the instruction again, and the safety notes."""

from __future__ import annotations

from collections.abc import Sequence

from voiceguide.part_timer import PartTimer
from voiceguide.plan import Part, PartKind, estimated_part_seconds
from voiceguide.wording import Line, Wording


def _time_left(words: Wording, part: Part, timer: PartTimer, now: float) -> str:
    """ "7 seconds left." for a timed part some of whose time has gone, else nothing."""
    if part.kind is PartKind.TIMED and timer.partly_run:
        return words(Line.TIME_LEFT, time=words.duration(timer.left(now)))
    return ""


def restatement(words: Wording, part: Part, timer: PartTimer, now: float) -> str:
    """The part in a few words, to pick it up again: its label and time left, or its short opening."""
    left = _time_left(words, part, timer, now)
    return f"{part.label}. {left}" if left else part.opening_brief


def instruction_again(words: Wording, part: Part, timer: PartTimer, now: float) -> str:
    """The full instruction, and the time left when some has gone ("repeat" before the time runs again)."""
    return f"{part.full_text} {_time_left(words, part, timer, now)}".strip()


def status(words: Wording, parts: Sequence[Part], index: int, left: float, *, timed: bool,
           paused: bool) -> str:
    """ "Calf stretch, left side, 7 seconds left; about 3 minutes left in all." `timed`: say the part's
    time left (its time runs, or will once its opening has been said)."""
    part = parts[index]
    where = part.label
    if part.duration and timed:
        where = words(Line.WHERE_TIME_LEFT, where=where, time=words.duration(left))
    later = sum(estimated_part_seconds(p) for p in parts[index + 1 :])
    minutes = max(1, round((later + left) / 60))
    line = Line.STATUS_PAUSED if paused else Line.STATUS
    return words(line, where=where, minutes=words.duration(minutes * 60))


def safety(words: Wording, notes: Sequence[str]) -> str:
    """The routine's safety notes, or, without any, that it has none and the general pain advice."""
    return " ".join(notes or (words(Line.NO_SAFETY_NOTES), words(Line.PAIN_ADVICE)))
