"""When the samples of a continuous audio stream were taken, from the times its chunks arrived.

A chunk can arrive late (on a loaded machine the capture thread is not run at once: 60-70 ms, a few times a
minute) but never early. Dated by its arrival, a late chunk moved the player's echo 60 ms on the stream's
clock though not in its samples: the echo canceller was given the wrong stretch of the player's output, and
the echo alignment saw the echo jump and made it start anew. The earliest arrival over the last seconds is
the stream's true latency, yet still follows samples lost for good (a chunk dropped while the recognizer
was behind) and a sound card's clock drifting from the system's.
"""

from __future__ import annotations

from collections import deque


class EarliestArrival:
    """Clock time minus stream position, as the least such difference over the last `window` seconds."""

    def __init__(self, window: float = 2.0) -> None:
        self._window = window
        # (stream position, offset), the offsets rising from left to right: the leftmost is the least.
        self._candidates: deque[tuple[float, float]] = deque()

    def offset(self, position: float, arrived: float) -> float:
        """The stream's clock offset, given that its sample at `position` (seconds into the stream) had
        arrived by clock time `arrived`."""
        observed = arrived - position
        while self._candidates and self._candidates[-1][1] >= observed:
            self._candidates.pop()
        self._candidates.append((position, observed))
        while self._candidates[0][0] < position - self._window:
            self._candidates.popleft()
        return self._candidates[0][1]
