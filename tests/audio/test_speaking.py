"""The rig's way of telling until when a clip was heard, on made-up recordings (no server needed)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio.rig import Recording
from tests.audio.speaking import matching_until

RATE = 16000


def _speech_like(seconds: float, seed: int) -> np.ndarray:
    """Noise shaped by a syllable-rate envelope: it correlates only with itself, as speech does."""
    rng = np.random.default_rng(seed)
    count = round(seconds * RATE)
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * np.arange(count) / RATE)
    return (0.2 * rng.standard_normal(count) * envelope).astype(np.float32)


def _recorded(*pieces: np.ndarray) -> Recording:
    return Recording(samples=np.concatenate(pieces).astype(np.float32), rate=RATE, start=100.0)


def test_a_clip_cut_at_a_moment_is_matched_until_that_moment_and_not_into_the_next_clip() -> None:
    clip, reply = _speech_like(3.0, seed=1), _speech_like(1.0, seed=2)
    recording = _recorded(np.zeros(RATE, np.float32), clip[: 2 * RATE], np.zeros(RATE // 10, np.float32), reply)
    assert matching_until(recording, [clip, reply], RATE, playing_at=102.5) == pytest.approx(103.0, abs=0.02)


@pytest.mark.parametrize("gap", [0.035, 0.15])
def test_a_clip_broken_by_a_gap_of_silence_is_followed_to_its_end(gap: float) -> None:
    """An output that ran dry on a loaded machine plays a gap, and then the rest of the words."""
    clip = _speech_like(3.0, seed=3)
    silence = np.zeros(round(gap * RATE), np.float32)
    recording = _recorded(np.zeros(RATE, np.float32), clip[: RATE * 2], silence, clip[RATE * 2 :], np.zeros(RATE))
    assert matching_until(recording, [clip], RATE, playing_at=102.5) == pytest.approx(104.0 + gap, abs=0.02)


def test_a_recording_that_lost_a_moment_is_followed_to_the_clip_s_end() -> None:
    """A recorder that fell behind drops samples: the rest of the clip comes early."""
    clip = _speech_like(3.0, seed=4)
    lost = round(0.05 * RATE)
    recording = _recorded(np.zeros(RATE, np.float32), clip[: RATE * 2], clip[RATE * 2 + lost :], np.zeros(RATE))
    assert matching_until(recording, [clip], RATE, playing_at=102.5) == pytest.approx(104.0 - 0.05, abs=0.02)


@pytest.mark.parametrize("gap", [0.1, 0.2])
def test_a_gap_just_before_the_moment_still_lines_the_clip_up(gap: float) -> None:
    """A loaded machine's gap inside the half second the clip is lined up by: its last quarter second does it
    (a busy CI run found no clip playing, best match 0.67)."""
    clip = _speech_like(3.0, seed=5)
    silence = np.zeros(round(gap * RATE), np.float32)
    split = round(1.3 * RATE)  # the gap plays from 102.3 s, the moment is at 102.5 + gap
    recording = _recorded(np.zeros(RATE, np.float32), clip[:split], silence, clip[split:], np.zeros(RATE))
    assert matching_until(recording, [clip], RATE, playing_at=102.5 + gap) == pytest.approx(104.0 + gap, abs=0.02)


def test_a_moment_in_no_clip_is_told() -> None:
    clip, other = _speech_like(3.0, seed=6), _speech_like(3.0, seed=7)
    recording = _recorded(np.zeros(RATE, np.float32), other, np.zeros(RATE))
    with pytest.raises(AssertionError, match="no clip was playing"):
        matching_until(recording, [clip], RATE, playing_at=102.5)
