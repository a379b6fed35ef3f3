"""Step accounting for the history: a projection over the engine's records, kept out of the engine.

From the parts started and completed, the pauses and the end of the session it makes one `StepEnded`
per stay in a step: done when the step's last part ran to its end, skipped when the person moved on
before that, stopped when the session ended in it. Paused time does not count towards a step.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceguide.messages import (
    Effect,
    Finished,
    Outcome,
    PartCompleted,
    PartStarted,
    PauseBegan,
    PauseEnded,
    RoutineCompleted,
    StepEnded,
    StepOutcome,
)


@dataclass
class _Stay:
    step: int
    name: str
    since: float
    paused: float = 0.0
    completed: bool = False


class StepLedger:
    def __init__(self) -> None:
        self._stay: _Stay | None = None
        self._paused_since: float | None = None

    def observe(self, effect: Effect, now: float) -> list[StepEnded]:
        """Takes one of the engine's effects at the time it was made; returns the step records it closes."""
        match effect:
            case PartStarted(step=step, name=name):
                if self._stay is not None and self._stay.step == step:
                    return []
                ended = self._end(now, StepOutcome.SKIPPED)
                self._stay = _Stay(step, name, now)
                return ended
            case PartCompleted(step=step, last_of_step=last) if self._stay is not None and self._stay.step == step:
                self._stay.completed = last
            case RoutineCompleted():
                return self._end(now, StepOutcome.SKIPPED)
            case PauseBegan():
                self._paused_since = now
            case PauseEnded(paused_seconds=seconds):
                self._paused_since = None
                if self._stay is not None:
                    self._stay.paused += min(seconds, now - self._stay.since)
            case Finished(outcome=outcome):
                return self._end(now, StepOutcome.SKIPPED if outcome is Outcome.FINISHED else StepOutcome.STOPPED)
        return []

    def _end(self, now: float, otherwise: StepOutcome) -> list[StepEnded]:
        """Closes the current stay: done if its step was completed, else `otherwise`."""
        stay, self._stay = self._stay, None
        if stay is None:
            return []
        paused = stay.paused
        if self._paused_since is not None:
            paused += now - max(self._paused_since, stay.since)
        outcome = StepOutcome.DONE if stay.completed else otherwise
        return [StepEnded(stay.step, stay.name, outcome, round(now - stay.since - paused, 1))]
