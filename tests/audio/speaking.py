"""Helpers for checking a speaker against what the rig recorded: when it says it spoke, when sound was heard."""

from __future__ import annotations

import numpy as np

from tests.audio.rig import Recording
from voiceguide.own_voice import OwnVoice

THRESHOLD_DB = -45.0


def level_db(samples: np.ndarray) -> float:
    """RMS level in dBFS of float samples (full scale 1.0)."""
    return float(20 * np.log10(max(1e-9, np.sqrt(np.mean(samples.astype(np.float64) ** 2)))))


class RecordedOwnVoice(OwnVoice):
    """An OwnVoice that also keeps every (started, ended) pair the speaker reported, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[tuple[float, float]] = []

    def started(self, text: str, at: float) -> None:
        super().started(text, at)
        self.spans.append((at, float("inf")))

    def ended(self, at: float) -> None:
        super().ended(at)
        if self.spans and self.spans[-1][1] == float("inf"):
            self.spans[-1] = (self.spans[-1][0], at)


def onset(recording: Recording, after: float, threshold_db: float = THRESHOLD_DB) -> float:
    """The first audible moment at or after `after` (5 ms resolution)."""
    for start, _ in recording.audible_spans(threshold_db, window=0.005, bridge=0.0):
        if start >= after:
            return start
    raise AssertionError(f"nothing audible after {after:.3f}")


def last_sound(recording: Recording, before: float, threshold_db: float = THRESHOLD_DB) -> float:
    """The end of the last audible 5 ms window ending by `before` (the recording's start if none)."""
    ends = [
        end for _, end in recording.audible_spans(threshold_db, window=0.005, bridge=0.0) if end <= before
    ]
    return ends[-1] if ends else recording.start


def voiced_band(recording: Recording, cutoff: float = 450.0) -> Recording:
    """Only the sound below `cutoff` Hz: a voice's fundamental and first formant, but none of the "heard you"
    chirp (700-1400 Hz), so the end of speech can be found while the chirp plays over it."""
    spectrum = np.fft.rfft(recording.samples.astype(np.float64))
    spectrum[np.fft.rfftfreq(len(recording.samples), 1 / recording.rate) > cutoff] = 0
    samples = np.fft.irfft(spectrum, len(recording.samples)).astype(np.float32)
    return Recording(samples, recording.rate, recording.start)


def audible_seconds(recording: Recording, start: float, end: float, threshold_db: float = THRESHOLD_DB) -> float:
    """How much of the time between `start` and `end` is audible (5 ms windows, no bridging)."""
    spans = recording.audible_spans(threshold_db, window=0.005, bridge=0.0)
    return sum(max(0.0, min(e, end) - max(s, start)) for s, e in spans)


def audible_share(recording: Recording, start: float, end: float, threshold_db: float = THRESHOLD_DB) -> float:
    """The share of the time between `start` and `end` that is audible."""
    return audible_seconds(recording, start, end, threshold_db) / (end - start)




def matching_until(recording: Recording, clips: list[np.ndarray], clip_rate: int, playing_at: float) -> float:
    """Until when the recording still matches the one of `clips` that was audible just before `playing_at`.

    The clip is found and lined up by cross-correlating the half second before `playing_at`; from there on,
    each 20 ms window that still correlates with the clip's continuation is the clip still playing. This
    tells a cut instruction apart from the reply that follows it in the same voice, which levels cannot.
    Both sides are compared below 4 kHz, where resampling on the way through PulseAudio changes little.
    """
    heard = _band_limited(recording.samples, recording.rate, recording.rate)
    half = recording.rate // 2
    anchor = round((playing_at - 0.5 - recording.start) * recording.rate)
    assert anchor >= 0, "record from at least half a second before the moment"
    segment = heard[anchor : anchor + half]
    best, clip, offset = -1.0, np.zeros(0), 0
    for candidate in clips:
        resampled = _band_limited(candidate, clip_rate, recording.rate)
        if len(resampled) < half:
            continue
        size = 1 << (len(resampled) + half).bit_length()
        products = np.fft.irfft(np.fft.rfft(resampled, size) * np.conj(np.fft.rfft(segment, size)), size)
        products = products[: len(resampled) - half + 1]
        energy = np.concatenate([[0.0], np.cumsum(resampled**2)])
        windows = energy[half:] - energy[:-half]
        scores = products / np.sqrt(np.maximum(windows * np.sum(segment**2), 1e-12))
        shift = int(np.argmax(scores))
        if scores[shift] > best:
            best, clip, offset = float(scores[shift]), resampled, anchor - shift  # recording index of clip start
    if best < 0.7:
        raise AssertionError(f"no clip was playing before {playing_at:.3f} (best match {best:.2f})")
    size = round(0.02 * recording.rate)
    end = anchor + half
    loud_enough = np.sqrt(np.mean(clip**2)) / 10
    for start in range(end, min(len(heard), offset + len(clip)) - size, size):
        expected = clip[start - offset : start - offset + size]
        if np.sqrt(np.mean(expected**2)) < loud_enough:
            continue  # a pause inside the clip tells nothing
        if _correlation(heard[start : start + size], expected) < 0.5:
            break
        end = start + size
    return recording.start + end / recording.rate


def _band_limited(samples: np.ndarray, rate: int, new_rate: int, cutoff: float = 4000.0) -> np.ndarray:
    """`samples` resampled to `new_rate` through the spectrum, with nothing above `cutoff` Hz."""
    spectrum = np.fft.rfft(samples.astype(np.float64))
    spectrum[np.fft.rfftfreq(len(samples), 1 / rate) > cutoff] = 0
    length = round(len(samples) * new_rate / rate)
    kept = spectrum[: length // 2 + 1]
    return np.fft.irfft(kept, length) * (length / len(samples))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.sqrt(np.sum(a * a) * np.sum(b * b))
    return float(np.sum(a * b) / scale) if scale else -1.0
