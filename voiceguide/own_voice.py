"""What the player itself said and played, and when, so the listener never obeys the player's own voice.

The speaker writes here from its playback threads; the listener reads from its recognition thread.
Times are on the same monotonic clock as the rest of the player. Two memories: the words of each
utterance (a command word the player said is not a command), and the power of every block of sound
sent to the speaker (what a microphone near the speaker will hear again, see recognition.EchoGate).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from voiceguide.commands import normalize


@dataclass
class _Spoken:
    words: frozenset[str]
    started: float
    ended: float | None


class OwnVoice:
    """A short, thread-safe memory of the player's recent utterances and of the loudness of its output."""

    def __init__(self, keep: int = 64, keep_blocks: int = 1024) -> None:
        self._lock = threading.Lock()
        self._spoken: deque[_Spoken] = deque(maxlen=keep)
        self._played: deque[tuple[float, float]] = deque(maxlen=keep_blocks)

    def played(self, at: float, power: float) -> None:
        """A block of output (mean square of its samples, full scale 1.0) became audible at `at`.

        Called from the audio callback: a deque append, atomic under the GIL, so no lock is taken.
        """
        self._played.append((at, power))

    def loudest_played(self, start: float, end: float) -> float:
        """The highest block power audible between `start` and `end` (0.0 when nothing was played)."""
        loudest = 0.0
        for at, power in reversed(self._played.copy()):  # copy() is atomic; iteration over it is not
            if at < start:
                break
            if at <= end:
                loudest = max(loudest, power)
        return loudest

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
