"""Earcons: audible, click-free, below speech, and told apart by their shape."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.adapters.earcons import PEAK, earcon_samples
from voiceguide.messages import Earcon


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize("rate", [16000, 22050, 48000])
@pytest.mark.parametrize("earcon", list(Earcon))
def test_every_earcon_is_audible_and_starts_and_ends_without_a_click(earcon: Earcon, rate: int) -> None:
    samples = earcon_samples(earcon, rate)
    assert samples.dtype == np.float32
    assert np.max(np.abs(samples)) == pytest.approx(PEAK, rel=1e-4)
    assert abs(samples[0]) < 0.01 and abs(samples[-1]) < 0.01
    assert np.max(np.abs(np.diff(samples))) < 0.25  # no step anywhere


@pytest.mark.parametrize(
    ("earcon", "seconds"),
    [(Earcon.TICK, 0.06), (Earcon.HEARD, 0.12), (Earcon.SWITCH, 0.34), (Earcon.FINISH, 1.0)],
)
def test_durations_are_the_same_at_any_rate(earcon: Earcon, seconds: float) -> None:
    for rate in (22050, 48000):
        assert len(earcon_samples(earcon, rate)) / rate == pytest.approx(seconds, abs=0.001)


def test_the_tick_is_a_short_high_blip() -> None:
    assert dominant_frequency(earcon_samples(Earcon.TICK, 22050), 22050) == pytest.approx(1000, abs=30)


def test_heard_rises() -> None:
    samples = earcon_samples(Earcon.HEARD, 48000)
    half = len(samples) // 2
    assert dominant_frequency(samples[:half], 48000) < dominant_frequency(samples[half:], 48000)


def test_switch_is_a_low_then_a_high_tone_with_a_gap() -> None:
    rate = 22050
    samples = earcon_samples(Earcon.SWITCH, rate)
    first, gap, second = (
        samples[: round(0.14 * rate)],
        samples[round(0.15 * rate) : round(0.19 * rate)],
        samples[-round(0.14 * rate) :],
    )
    assert dominant_frequency(first, rate) == pytest.approx(440, abs=15)
    assert dominant_frequency(second, rate) == pytest.approx(660, abs=15)
    assert np.max(np.abs(gap)) == 0


def test_the_finish_chime_rings_out() -> None:
    rate = 22050
    samples = earcon_samples(Earcon.FINISH, rate)
    start, end = samples[: rate // 4], samples[-rate // 4 :]
    assert np.sqrt(np.mean(end**2)) < np.sqrt(np.mean(start**2)) / 4


def test_samples_are_shared_and_read_only() -> None:
    samples = earcon_samples(Earcon.TICK, 22050)
    assert samples is earcon_samples(Earcon.TICK, 22050)
    with pytest.raises(ValueError):
        samples[0] = 1.0
