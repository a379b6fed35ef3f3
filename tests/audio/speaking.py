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
