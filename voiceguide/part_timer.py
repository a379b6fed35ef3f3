"""The time of one part (a hold, repetitions, a rest) and what is due to be said in it (pure, no clock).

Deadline-based: while the time runs the timer holds its `deadline`; stopped (before the part's opening has
been heard, or paused) it holds the time left. A part's schedule counts back from its end, so stopping only
has to keep the time left, and a restart says nothing that was due before the stop.
"""

from __future__ import annotations

from voiceguide.messages import Priority
from voiceguide.plan import Part, Scheduled

_EPSILON = 1e-9  # float slack: an item due at exactly this instant is due


class PartTimer:
    def __init__(self, part: Part) -> None:
        self.duration = part.duration
        self._schedule = part.schedule
        self._time_left = part.duration
        self._deadline: float | None = None
        self._next = 0  # the schedule's next item not yet said

    @property
    def running(self) -> bool:
        return self._deadline is not None

    @property
    def partly_run(self) -> bool:
        """Some of the part's time went before it last stood still: restating it then says the time left."""
        return self._time_left < self.duration

    def left(self, now: float) -> float:
        return max(self._deadline - now if self._deadline is not None else self._time_left, 0.0)

    def start(self, now: float) -> None:
        """Run the time left from `now`; what was due before it is not said again."""
        self._deadline = now + self._time_left
        self._next = next((i for i, item in enumerate(self._schedule) if item.remaining <= self._time_left),
                          len(self._schedule))

    def stop(self, now: float) -> None:
        """Stand still, keeping the time left."""
        if self._deadline is not None:
            self._time_left = self.left(now)
            self._deadline = None

    def next_deadline(self) -> float | None:
        """When something is next due: a scheduled line, else the part's end (None while stopped)."""
        if self._deadline is None:
            return None
        upcoming = self._schedule[self._next] if self._next < len(self._schedule) else None
        return self._deadline - upcoming.remaining if upcoming else self._deadline

    def due(self, now: float) -> tuple[list[Scheduled], bool]:
        """What is to be said by `now`, in order, and whether the part's time is over.

        Of several countdown ticks due at once (the clock came late), only the latest is said: a number
        that is past is no longer true. Lines of other priorities are all said.
        """
        if self._deadline is None:
            return [], False
        left = self._deadline - now
        due = []
        while self._next < len(self._schedule) and self._schedule[self._next].remaining >= left - _EPSILON:
            due.append(self._schedule[self._next])
            self._next += 1
        ticks = [item for item in due if item.priority is Priority.TICK]
        said = [item for item in due if item.priority is not Priority.TICK or item is ticks[-1]]
        over = left <= _EPSILON
        if over:
            self._time_left, self._deadline = 0.0, None
        return said, over
