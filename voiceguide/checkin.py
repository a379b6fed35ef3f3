"""The pain question: how it is asked, which answers count and what is said back (pure wording).

It is asked before the routine and after it (unless check-ins are off), and after "it hurts" as "how bad
is it?". An answer is a level from 0 to 10, or None when the person skipped the question. Before the
routine, a level above the routine's pain limit gives the advice and leaves the choice to the person
(ready to go on gently, end session to stop) instead of starting.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from voiceguide.messages import PainPhase
from voiceguide.wording import Line, Wording

LEVELS = range(11)


class Then(Enum):
    """What the routine does once the answer is in."""

    CLOSE = "close"  # the session ends (the answer after the routine)
    WAIT = "wait"  # it waits for "ready"
    START = "start"  # it goes straight on into the ready step that follows


@dataclass(frozen=True)
class Reply:
    words: str
    then: Then


def question(words: Wording, when: PainPhase) -> str:
    """The question itself (after the routine, the engine puts its closing words in front)."""
    if when is PainPhase.DURING:
        return f"{words(Line.PAIN_ADVICE)} {words(Line.PAIN_LEVEL_QUESTION)}"
    return words(Line.PAIN_QUESTION_BEFORE if when is PainPhase.BEFORE else Line.PAIN_QUESTION)


def reply(words: Wording, when: PainPhase, level: int | None, *, limit: int, ready_prompt: str,
          listening: bool, ready_step_follows: bool) -> Reply:
    """What is said to a before or after answer, and what follows it."""
    thanks = words(Line.THANKS if level is not None else Line.NO_ANSWER)
    if when is PainPhase.AFTER:
        return Reply(f"{thanks} {words(Line.REST_NOW)}", Then.CLOSE)
    if level is not None and level > limit:
        advice = f"{thanks} {words(Line.PAIN_ABOVE_LIMIT, level=level, advice=words(Line.PAIN_ADVICE))}"
        return Reply(advice if listening else f"{advice} {words(Line.PRESS_ENTER)}", Then.WAIT)
    if ready_step_follows:  # its own words ask for "ready"; a second prompt would be one too many
        return Reply(thanks, Then.START)
    return Reply(f"{thanks} {ready_prompt}", Then.WAIT)


def during_reply(words: Wording, level: int | None) -> str:
    """After "it hurts": the level is recorded, and the choices are given (nothing when it was skipped)."""
    return f"{words(Line.THANKS)} {words(Line.PAIN_CHOICES)}" if level is not None else ""
