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
    that adds as much reverberation as the direct sound, 0.73-0.80; a person speaking over it brings that
    down to 0.3-0.5, so the lag is found while the echo is on its own. A person's words never match the
    output's waveform, but the e2e rig's person is espeak-ng, as its player may be: its "pause" was taken for
    an echo 2 s late at 0.6 over three estimates (0.3 s), and steered the echo rules wrong. Hence 0.7 over
    five (half a second more than one window), which a word said once does not hold."""

    def __init__(self, rate: int, longest: float, soonest: float = 0.1, window: float = 0.5, every: float = 0.1,
                 near: float = 0.25, quick_for: float = 3.0, wide_every: int = 10, agreement: float = 0.7,
                 agreeing: int = 5, within: float = 0.004, moves_beyond: float = 0.01) -> None:  # fmt: skip
        """Lags from `soonest` seconds early (the output's dating running late) to `longest` seconds late.

        A sound server can change the delay whenever its output starts again (a busy CI run: 0.11 s, then 0.04 s,
        and the player's onsets, heard sooner than expected, were taken for a person's "please pause"), so
        it is looked for all the time, but cheaply: within `near` seconds of the lag taken (about a millisecond
        an estimate), over every lag (a few milliseconds) only until one is taken and when it is lost (nothing
        near it fits). After `quick_for` seconds of the player's sound so spent (headphones: no echo to find),
        every lag is looked over only every `wide_every`-th time."""
        self._rate = rate
        self._longest = round(longest * rate)
        self._soonest = round(soonest * rate)
        self._near = round(near * rate)
        self._window = round(window * rate)
        self._every = round(every * rate)
        self._quick_for = round(quick_for * rate)
        self._wide_every = wide_every
        self._agreement = agreement
        self._within = round(within * rate)
        self._moves_beyond = round(moves_beyond * rate)
        self._heard: deque[np.ndarray] = deque()
        self._held = 0  # samples in _heard
        self._since = 0  # samples heard since the last estimate
        self._followed = 0  # samples of the player's sound heard in all
        self._estimates = 0
        self._recent: deque[int | None] = deque(maxlen=agreeing)  # the latest estimates, in samples
        self._lag: int | None = None
        self._lost = False  # the last look near the lag taken found nothing there
        self._searching_from = 0  # how much had been followed when the look over every lag began

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
        if self._held < self._window or self._since < self._every:
            return False
        self._since = 0
        self._estimates += 1
        wide = self._lag is None or self._lost
        if wide and self._followed - self._searching_from > self._quick_for and self._estimates % self._wide_every:
            return False
        if wide:
            found = self._estimate(end, output, -self._soonest, self._longest)
        else:
            lag = self._lag
            found = self._estimate(end, output, max(-self._soonest, lag - self._near), min(self._longest, lag + self._near))
            self._lost = found is None
            self._searching_from = self._followed
        self._recent.append(found)
        if found is None or len(self._recent) < self._recent.maxlen:
            return False
        if any(lag is None or abs(lag - found) > self._within for lag in self._recent):
            return False
        found = int(np.median(self._recent))
        if self._lag is not None and abs(found - self._lag) <= self._moves_beyond:
            self._lost = False
            return False
        self._lag, self._lost = found, False
        return True

    def interrupted(self) -> None:
        """The microphone's samples stopped following on (the player fell silent): what was heard is forgotten."""
        self._heard.clear()
        self._held = self._since = 0
        self._recent.clear()

    def _estimate(self, end: float, output: Callable[[float, int], np.ndarray], low: int, high: int) -> int | None:
        """The lag from `low` to `high` samples at which the output best explains the window heard, if well."""
        heard = np.concatenate(self._heard)[-self._window :]
        span = self._window + high - low
        played = output(end - (self._window + high) / self._rate, span)  # dated from the window's start - high
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
        return high - best


def _fast_length(least: int) -> int:
    """The shortest length of at least `least` whose factors are 2s and 3s, which the FFT takes quickly (the
    next power of two can be nearly twice as long)."""
    return min(three << max(0, (-(-least // three) - 1).bit_length()) for three in (1, 3, 9))
