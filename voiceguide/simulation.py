"""A simulated clock and inbox: the routine runs at once, as fast as the CPU allows.

`--preview` uses them to print the timed transcript, and the tests use them for exact timings. The
player runs unchanged on top: only the waiting is simulated.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import ClassVar

from voiceguide.commands import Command
from voiceguide.messages import Event, Expect, Heard, Notice

PREVIEW = "preview"  # the source of the simulated person's answers


class FakeClock:
    def __init__(self, start: float = 0.0) -> None:
        self.time = start

    def now(self) -> float:
        return self.time


class SimulationStalled(Exception):
    """The player waits for an event that nobody will ever send."""


class SimulatedInbox:
    """Delivers events in time order, moving the fake clock forward instead of sleeping."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self._queue: list[tuple[float, int, Event | Notice]] = []
        self._order = itertools.count()

    def put(self, event: Event | Notice) -> None:
        self.put_at(self._clock.time, event)

    def put_at(self, when: float, event: Event | Notice) -> None:
        heapq.heappush(self._queue, (max(when, self._clock.time), next(self._order), event))

    def wait(self, until: float | None) -> Event | Notice | None:
        if self._queue and (until is None or self._queue[0][0] <= until):
            when, _, event = heapq.heappop(self._queue)
            self._clock.time = max(self._clock.time, when)
            return event
        if until is None:
            raise SimulationStalled("the routine waits for an answer and none is coming")
        self._clock.time = max(self._clock.time, until)
        return None


class SimulatedPerson:
    """The person of a preview: once the voice is quiet, it answers what the routine waits for, "ready",
    and "skip" to a pain question. It is the player's Listener, and its inbox too, so that each answer
    is written into the transcript when it arrives, after the lines said before it."""

    ANSWERS: ClassVar[dict[Expect, Command]] = {Expect.READY: Command.READY, Expect.NUMBER: Command.SKIP}

    def __init__(self, clock: FakeClock, inbox: SimulatedInbox, write: Callable[[str, float], None],
                 quiet_at: Callable[[], float]) -> None:
        """`quiet_at` tells when the voice will have said everything it was given."""
        self._clock = clock
        self._inbox = inbox
        self._write = write
        self._quiet_at = quiet_at

    def start(self) -> None:
        """Always listening."""

    def expect(self, expect: Expect) -> None:
        if (command := self.ANSWERS.get(expect)) is not None:
            when = max(self._clock.now(), self._quiet_at())
            self._inbox.put_at(when, Heard(command, when, source=PREVIEW))

    def close(self) -> None:
        """Nothing to release."""

    def put(self, event: Event | Notice) -> None:
        self._inbox.put(event)

    def put_at(self, when: float, event: Event | Notice) -> None:
        self._inbox.put_at(when, event)

    def wait(self, until: float | None) -> Event | Notice | None:
        event = self._inbox.wait(until)
        if isinstance(event, Heard) and event.source == PREVIEW:
            self._write(f"(you say: {event.command.value})", event.now)
        return event
