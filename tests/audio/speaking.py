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

    The clip is found and lined up by cross-correlating the half second (or quarter) before `playing_at`; from
    there on, each 20 ms window that still correlates with the clip's continuation is the clip still playing. This
    tells a cut instruction apart from the reply that follows it in the same voice, which levels cannot.
    Both sides are compared below 4 kHz, where resampling on the way through PulseAudio changes little.
    A loaded machine can break the sound up (an output that ran dry plays a gap, a recorder that fell
    behind loses a moment): the clip is lined up again across such a break of up to `_BREAK` seconds,
    since the question is whether it still plays, not whether it played without a break.
    """
    heard = _band_limited(recording.samples, recording.rate, recording.rate)
    at = round((playing_at - recording.start) * recording.rate)
    assert at - recording.rate // 2 >= 0, "record from at least half a second before the moment"
    candidates = [_band_limited(given, clip_rate, recording.rate) for given in clips]
    best, clip, offset = -1.0, np.zeros(0), 0
    # Lined up by the half second before the moment or, if a loaded machine broke that up (a gap in the sound,
    # or the moment fell just after a sentence's clip began), by its last quarter second.
    for length in (recording.rate // 2, recording.rate // 4):
        segment = heard[at - length : at]
        for candidate in candidates:
            if len(candidate) < length:
                continue
            shift, score = _best_lag(candidate, segment)
            if score > best:
                best, clip, offset = score, candidate, at - length - shift  # recording index of clip start
        if best >= 0.7:
            break
    if best < 0.7:
        raise AssertionError(f"no clip was playing before {playing_at:.3f} (best match {best:.2f})")
    size = round(0.02 * recording.rate)
    end = start = at
    loud_enough = np.sqrt(np.mean(clip**2)) / 10
    lined_up_at = -1  # the window the clip was last lined up again at: once per window
    while start + size <= min(len(heard), offset + len(clip)):
        expected = clip[start - offset : start - offset + size]
        if np.sqrt(np.mean(expected**2)) >= loud_enough:  # a pause inside the clip tells nothing
            if _correlation(heard[start : start + size], expected) < 0.5:
                moved = None if lined_up_at == start else _across_a_break(heard, clip, offset, start, recording.rate)
                if moved is None:
                    break
                start += max(0, moved - offset)  # over the gap, to where the clip goes on
                offset, lined_up_at = moved, start
                continue
            end = start + size
        start += size
    return recording.start + end / recording.rate


_BREAK = 0.2  # seconds: the longest break in the sound that matching_until lines the clip up across


def _across_a_break(heard: np.ndarray, clip: np.ndarray, offset: int, start: int, rate: int) -> int | None:
    """The clip's new start in the recording, if within `_BREAK` of where it was due the recording goes on
    with the clip's next 60 ms (it played late: a gap) or the clip goes on with the recording's next 60 ms
    (the recording lost a moment)."""
    reach, length = round(_BREAK * rate), round(0.06 * rate)
    due = start - offset  # where in the clip the recording is at `start`
    ahead, heard_next = clip[due : due + length], heard[start : start + length]
    if min(len(ahead), len(heard_next)) < length:
        return None
    late = _fit(heard, max(0, start - reach), start + reach + length, ahead)
    if late is not None:
        return offset + late - start
    early = _fit(clip, max(0, due - reach), due + reach + length, heard_next)
    return None if early is None else start - early


def _fit(longer: np.ndarray, low: int, high: int, piece: np.ndarray) -> int | None:
    """Where between `low` and `high` in `longer` a 60 ms `piece` fits closely (normalized correlation 0.7)."""
    window = longer[low:high]
    if len(window) < len(piece):
        return None
    shift, score = _best_lag(window, piece)
    return low + shift if score >= 0.7 else None


def _best_lag(longer: np.ndarray, shorter: np.ndarray) -> tuple[int, float]:
    """Where in `longer` the `shorter` piece fits best, and how well (normalized correlation)."""
    size = 1 << (len(longer) + len(shorter)).bit_length()
    products = np.fft.irfft(np.fft.rfft(longer, size) * np.conj(np.fft.rfft(shorter, size)), size)
    products = products[: len(longer) - len(shorter) + 1]
    energy = np.concatenate([[0.0], np.cumsum(longer**2)])
    windows = energy[len(shorter) :] - energy[: -len(shorter)]
    scores = products / np.sqrt(np.maximum(windows * np.sum(shorter**2), 1e-12))
    shift = int(np.argmax(scores))
    return shift, float(scores[shift])


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
