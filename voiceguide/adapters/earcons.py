"""Short sounds that carry meaning without words, generated in code (no sound files to ship or lose).

Each earcon has its own shape so they are told apart by ear, not only by pitch: a single short blip
for the last seconds of a hold, a quick rising chirp for "heard you", a low-high pair for "switch
sides", and a slow three-note chime for the end. All start and end at zero (no clicks) and peak at
`PEAK`, below speech, so they never drown a word they overlap.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from voiceguide.messages import Earcon

PEAK = 0.35
_RAMP_SECONDS = 0.005


def _envelope(count: int, rate: int, decay: float | None = None) -> np.ndarray:
    """Raised-cosine edges (5 ms) so the tone starts and stops without a click; optional exponential decay."""
    shape = np.ones(count)
    ramp = min(count // 2, round(_RAMP_SECONDS * rate))
    if ramp:
        edge = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, ramp))
        shape[:ramp] *= edge
        shape[-ramp:] *= edge[::-1]
    if decay is not None:
        shape *= np.exp(-np.arange(count) / (decay * rate))
    return shape


def _tone(frequency: float, seconds: float, rate: int, decay: float | None = None) -> np.ndarray:
    count = round(seconds * rate)
    t = np.arange(count) / rate
    # A touch of the octave makes a tone easier to hear on small speakers than a pure sine.
    wave = np.sin(2 * np.pi * frequency * t) + 0.3 * np.sin(4 * np.pi * frequency * t)
    return wave * _envelope(count, rate, decay)


def _chirp(start: float, end: float, seconds: float, rate: int) -> np.ndarray:
    count = round(seconds * rate)
    t = np.arange(count) / rate
    phase = 2 * np.pi * (start * t + (end - start) * t**2 / (2 * seconds))
    return np.sin(phase) * _envelope(count, rate)


def _silence(seconds: float, rate: int) -> np.ndarray:
    return np.zeros(round(seconds * rate))


def _chime(rate: int) -> np.ndarray:
    """C5, E5, G5 struck 150 ms apart, each ringing out."""
    notes = [523.25, 659.25, 783.99]
    length = round(1.0 * rate)
    out = np.zeros(length)
    for index, frequency in enumerate(notes):
        start = round(index * 0.15 * rate)
        note = _tone(frequency, (length - start) / rate, rate, decay=0.25)
        out[start:] += note
    return out


def _normalized(samples: np.ndarray) -> np.ndarray:
    out = (samples * (PEAK / np.max(np.abs(samples)))).astype(np.float32)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=32)
def earcon_samples(earcon: Earcon, rate: int) -> np.ndarray:
    """The earcon as mono float32 samples at `rate` (read-only; shared between calls)."""
    match earcon:
        case Earcon.TICK:
            samples = _tone(1000.0, 0.06, rate)
        case Earcon.HEARD:
            samples = _chirp(700.0, 1400.0, 0.12, rate)
        case Earcon.SWITCH:
            samples = np.concatenate(
                [_tone(440.0, 0.14, rate), _silence(0.06, rate), _tone(660.0, 0.14, rate)]
            )
        case Earcon.FINISH:
            samples = _chime(rate)
    return _normalized(samples)
