"""Dating a microphone's stream by when its chunks arrived: late arrivals move nothing, samples lost for good
and a drifting clock are followed."""

from __future__ import annotations

import pytest

from voiceguide.stream_clock import EarliestArrival


def _offsets(clock: EarliestArrival, arrival_after: list[float]) -> list[float]:
    """The offsets for 0.1 s chunks arriving this long after their last sample was taken (at 5.0 + position)."""
    return [clock.offset(index / 10, 5.0 + index / 10 + late) for index, late in enumerate(arrival_after)]


def test_chunks_that_arrive_late_do_not_move_the_streams_dating() -> None:
    offsets = _offsets(EarliestArrival(), [0.07 if index % 7 == 3 else 0.0 for index in range(60)])
    assert offsets == pytest.approx([5.0] * 60)


def test_samples_lost_for_good_move_it_once_the_window_has_passed() -> None:
    offsets = _offsets(EarliestArrival(window=2.0), [0.3 if index >= 10 else 0.0 for index in range(60)])
    assert offsets[25] == pytest.approx(5.0)
    assert offsets[35] == pytest.approx(5.3)


def test_a_sound_card_clock_drifting_from_the_systems_is_followed() -> None:
    drift = 200e-6  # the card's clock runs this much slow: its samples arrive ever later
    offsets = _offsets(EarliestArrival(window=2.0), [index / 10 * drift for index in range(600)])
    assert offsets[-1] == pytest.approx(5.0 + (59.9 - 2.0) * drift, abs=1e-5)
