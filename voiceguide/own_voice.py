"""What the player itself said and played, and when, so the listener never obeys the player's own voice.

The speaker writes here from its playback threads; the listener reads from its recognition thread.
Times are on the same monotonic clock as the rest of the player. Two memories: the words of each
utterance (a command word the player said is not a command), and every block of sound sent to the
speaker, with its power (what a microphone near the speaker will hear again, see recognition.EchoGate)
and its samples (what an echo canceller subtracts).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from voiceguide.commands import normalize

# A block dated this close to where the one before it ended follows it without a gap: the output stream
# is continuous, and its blocks' datings jitter by a few milliseconds, which an echo canceller cannot
# follow. Further apart, the stream restarted or ran dry.
CONTIGUOUS_WITHIN = 0.02


class _Block(NamedTuple):
    at: float  # when it became audible
    rate: int
    samples: np.ndarray
    power: float  # mean square, full scale 1.0


@dataclass
class _Spoken:
    words: frozenset[str]
    started: float
    ended: float | None


class OwnVoice:
    """A short, thread-safe memory of the player's recent utterances and of its output."""

    def __init__(self, keep: int = 64, keep_blocks: int = 1024) -> None:
        self._lock = threading.Lock()
        self._spoken: deque[_Spoken] = deque(maxlen=keep)
        self._blocks: deque[_Block] = deque(maxlen=keep_blocks)
        self._next_at: float | None = None  # where the last block ended
        self._late: float | None = None  # how much later than that the last block was dated, if so

    def played(self, at: float, samples: np.ndarray, rate: int) -> None:
        """A block of output (float samples at `rate`, full scale 1.0, kept as given) became audible at `at`.

        A block dated later than the one before it ended is taken to follow it all the same unless the next
        block is as late: on a loaded machine one callback in a while comes 50-170 ms late and the next on
        time, and dated by it the echo canceller was given the wrong stretch of output. Called from the
        audio callback: deque appends and item assignment, atomic under the GIL, so no lock is taken.
        """
        expected, late = self._next_at, None
        if expected is not None:
            if abs(at - expected) < CONTIGUOUS_WITHIN:
                at = expected
            elif at > expected:
                late = at - expected
                if self._late is None or abs(late - self._late) >= CONTIGUOUS_WITHIN:
                    at = expected  # perhaps a late callback: the next block tells
                else:  # the stream did stop for a moment (it ran dry): the block before is dated anew too
                    before = self._blocks[-1]
                    self._blocks[-1] = before._replace(at=before.at + self._late)
                    at, late = before.at + self._late + len(before.samples) / before.rate, None
        self._late = late
        self._next_at = at + len(samples) / rate
        self._blocks.append(_Block(at, rate, samples, float(np.dot(samples, samples)) / max(len(samples), 1)))

    def output(self, start: float, count: int, rate: int) -> np.ndarray:
        """`count` samples at `rate` of the output audible from `start` (silence where nothing played)."""
        times = start + np.arange(count) / rate
        result = np.zeros(count)
        for at, block_rate, samples in _runs(reversed(self._audible(start, times[-1] if count else start))):
            positions = (times - at) * block_rate
            inside = (positions >= 0) & (positions <= len(samples) - 1)
            result[inside] = np.interp(positions[inside], np.arange(len(samples)), samples)
        return result

    def loudest_played(self, start: float, end: float) -> float:
        """The highest power of the blocks that became audible between `start` and `end` (0.0: none)."""
        return max((block.power for block in self._audible(start, end) if block.at >= start), default=0.0)

    def _audible(self, start: float, end: float) -> list[_Block]:
        """The blocks that began audible between `start` and `end`, or sounded into `start`, newest first."""
        found = []
        for block in reversed(self._blocks.copy()):  # copy() is atomic; iteration over it is not
            if block.at + len(block.samples) / block.rate < start:
                break
            if block.at <= end:
                found.append(block)
        return found

    def started(self, text: str, at: float) -> None:
        """An utterance became audible at `at`."""
        with self._lock:
            self._spoken.append(_Spoken(frozenset(normalize(text).split()), at, None))

    def ended(self, at: float) -> None:
        """The audible utterance stopped (finished or cut) at `at`."""
        with self._lock:
            if self._spoken and self._spoken[-1].ended is None:
                self._spoken[-1].ended = at

    def said_any(self, words: set[str], start: float, end: float, echo_tail: float = 0.6) -> bool:
        """True when any of `words` was in an utterance audible between `start` and `end` (plus the echo tail)."""
        with self._lock:
            for spoken in self._spoken:
                stopped = spoken.ended if spoken.ended is not None else end
                overlaps = spoken.started <= end and stopped + echo_tail >= start
                if overlaps and spoken.words & words:
                    return True
        return False

    def speaking(self, start: float, end: float) -> bool:
        """True when the player was audible at any moment between `start` and `end`."""
        with self._lock:
            return any(
                spoken.started <= end and (spoken.ended is None or spoken.ended >= start) for spoken in self._spoken
            )


def _runs(blocks: Iterable[_Block]) -> list[tuple[float, int, np.ndarray]]:
    """Blocks (in time order) joined where each starts as the one before it ends, so that resampling
    interpolates across their joins: (start, rate, samples) of each run."""
    runs: list[tuple[float, int, list[np.ndarray]]] = []
    run_end = None
    for at, rate, samples, _ in blocks:
        if runs and runs[-1][1] == rate and run_end is not None and abs(run_end - at) < 1e-6:
            runs[-1][2].append(samples)
        else:
            runs.append((at, rate, [samples]))
        run_end = at + len(samples) / rate
    return [(at, rate, np.concatenate(pieces)) for at, rate, pieces in runs]
