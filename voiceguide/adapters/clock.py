"""The real clock and the thread-safe inbox that wakes the player at a deadline or on an event."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque

from voiceguide.messages import Event, Notice


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()


class ThreadInbox:
    """Events from any thread, plus events due at a later time; the player blocks in `wait`."""

    def __init__(self, clock: MonotonicClock) -> None:
        self._clock = clock
        self._changed = threading.Condition()
        self._ready: deque[Event | Notice] = deque()
        self._later: list[tuple[float, int, Event | Notice]] = []
        self._order = itertools.count()

    def put(self, event: Event | Notice) -> None:
        with self._changed:
            self._ready.append(event)
            self._changed.notify()

    def put_at(self, when: float, event: Event | Notice) -> None:
        with self._changed:
            heapq.heappush(self._later, (when, next(self._order), event))
            self._changed.notify()

    def wait(self, until: float | None) -> Event | Notice | None:
        with self._changed:
            while True:
                now = self._clock.now()
                while self._later and self._later[0][0] <= now:
                    self._ready.append(heapq.heappop(self._later)[2])
                if self._ready:
                    return self._ready.popleft()
                if until is not None and now >= until:
                    return None
                wake_times = [t for t in (until, self._later[0][0] if self._later else None) if t is not None]
                self._changed.wait(timeout=min(wake_times) - now if wake_times else None)
