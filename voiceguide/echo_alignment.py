"""How late, to the sample, the player's output comes back through the microphone: what the echo canceller
needs to be given its reference in step with the echo.

An adaptive canceller learns fastest when its reference lines up with the echo. Given heel-spur's output
exactly in step with its echo, Speex took out 10 dB within half a second; given it 0.16 s early (the echo
delay not yet learnt from the level envelopes, recognition.EchoDelay, which takes two to three seconds of
the player's sound), 2 dB in the first second, and every new estimate of the delay made it start over. A
person's "pause" two seconds into a session was then heard with the player's voice still in it. The
waveforms tell the delay sooner, and to the sample: the output and its echo correlate closely, a person's
voice and the room not at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

# Output quieter than this (mean square, full scale 1.0; -45 dBFS) says nothing about its echo.
LOUD_ENOUGH = 10 ** (-45 / 10)


class EchoAlignment:
    """Finds the lag at which the output best explains what the microphone heard, over the last `window`
    seconds, every `every` seconds while the player is heard; a lag is taken when `agreeing` estimates in a
    row agree within `within` seconds, each with a normalized correlation of at least `agreement`, and it
    differs from the lag taken before by more than `moves_beyond` seconds. The microphone's dating of its
    chunks jitters (on PulseAudio the lag found went back and forth by 3 ms), and each lag taken makes the
    canceller start anew: within that, the output given to it stays one continuous stream.

    An echo alone correlates with the output at 0.9 or more, through a speaker that loses the bass and a room
    that adds as much reverberation as the direct sound, 0.7 or more; a person speaking over it brings that
    down to 0.3-0.5, so the lag is found while the echo is on its own. espeak-ng saying the player's own
    words again, in its voice, reached 0.58 at a lag three estimates in a row: no person comes that close."""

    def __init__(self, rate: int, longest: float, soonest: float = 0.1, window: float = 0.5, every: float = 0.1,
                 quick_for: float = 3.0, every_later: float = 1.0, agreement: float = 0.6, agreeing: int = 3,
                 within: float = 0.004, moves_beyond: float = 0.01) -> None:  # fmt: skip
        """Lags from `soonest` seconds early (the output's dating running late) to `longest` seconds late.
        An estimate costs a few milliseconds: once the lag is taken, or after `quick_for` seconds of the
        player's sound without one (headphones: no echo to find), it is made every `every_later` seconds."""
        self._rate = rate
        self._longest = round(longest * rate)
        self._soonest = round(soonest * rate)
        self._window = round(window * rate)
        self._every = round(every * rate)
        self._every_later = round(every_later * rate)
        self._quick_for = round(quick_for * rate)
        self._followed = 0  # samples of the player's sound heard in all
        self._agreement = agreement
        self._within = round(within * rate)
        self._moves_beyond = round(moves_beyond * rate)
        self._heard: deque[np.ndarray] = deque()
        self._held = 0  # samples in _heard
        self._since = 0  # samples heard since the last estimate
        self._recent: deque[int | None] = deque(maxlen=agreeing)  # the latest estimates, in samples
        self._lag: int | None = None

    @property
    def lag(self) -> float | None:
        """How late the echo comes back after the output's dating, in seconds; None until found."""
        return None if self._lag is None else self._lag / self._rate

    def follow(self, heard: np.ndarray, end: float, output: Callable[[float, int], np.ndarray]) -> bool:
        """Microphone samples (int16 steps) that ended at clock time `end`, while the player may be echoing in
        them; `output(start, count)` gives the output dated from `start` (full scale 1.0). True when the lag
        taken changed with them."""
        self._heard.append(np.asarray(heard, dtype=np.float64) / 32768.0)
        self._held += len(heard)
        while self._held - len(self._heard[0]) >= self._window:
            self._held -= len(self._heard.popleft())
        self._since += len(heard)
        self._followed += len(heard)
        quick = self._lag is None and self._followed <= self._quick_for
        if self._held < self._window or self._since < (self._every if quick else self._every_later):
            return False
        self._since = 0
        self._recent.append(self._estimate(end, output))
        found = self._recent[-1]
        if found is None or len(self._recent) < self._recent.maxlen:
            return False
        if any(lag is None or abs(lag - found) > self._within for lag in self._recent):
            return False
        found = int(np.median(self._recent))
        if self._lag is not None and abs(found - self._lag) <= self._moves_beyond:
            return False
        self._lag = found
        return True

    def interrupted(self) -> None:
        """The microphone's samples stopped following on (the player fell silent): what was heard is forgotten."""
        self._heard.clear()
        self._held = self._since = 0
        self._recent.clear()

    def _estimate(self, end: float, output: Callable[[float, int], np.ndarray]) -> int | None:
        heard = np.concatenate(self._heard)[-self._window :]
        span = self._window + self._longest + self._soonest
        played = output(end - span / self._rate + self._soonest / self._rate, span)
        size = _fast_length(span + self._window)
        products = np.fft.irfft(np.fft.rfft(played, size) * np.conj(np.fft.rfft(heard, size)), size)
        sliding = products[: span - self._window + 1]  # [k]: played[k : k + window] against heard
        squares = np.concatenate(([0.0], np.cumsum(played * played)))
        energy = squares[self._window :] - squares[: -self._window]
        loud = energy >= LOUD_ENOUGH * self._window
        if not loud.any():
            return None
        scores = np.where(loud, sliding / np.sqrt(np.maximum(energy, 1e-12) * float(np.dot(heard, heard)) + 1e-12), 0.0)
        best = int(np.argmax(scores))
        if scores[best] < self._agreement:
            return None
        return self._longest - best


def _fast_length(least: int) -> int:
    """The shortest length of at least `least` whose factors are 2s and 3s, which the FFT takes quickly (the
    next power of two can be nearly twice as long)."""
    return min(three << max(0, (-(-least // three) - 1).bit_length()) for three in (1, 3, 9))
