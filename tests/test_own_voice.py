"""OwnVoice: what the player said and when, read by the listener to ignore its own words."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from voiceguide.own_voice import OwnVoice


def test_a_word_said_during_or_just_after_the_utterance_counts() -> None:
    own = OwnVoice()
    own.started("Next, we stretch the calf.", 10.0)
    own.ended(12.0)
    assert own.said_any({"next"}, 11.0, 11.5)
    assert own.said_any({"next"}, 12.3, 12.8)  # the echo tail
    assert not own.said_any({"next"}, 13.0, 13.5)
    assert not own.said_any({"pause"}, 11.0, 11.5)


def test_speaking_covers_an_utterance_still_playing() -> None:
    own = OwnVoice()
    own.started("Hold the stretch", 5.0)
    assert own.speaking(6.0, 7.0)
    assert not own.speaking(1.0, 4.9)
    own.ended(8.0)
    assert not own.speaking(8.1, 9.0)


def test_writers_and_readers_on_different_threads() -> None:
    own = OwnVoice(keep=8)

    def speak() -> None:
        for i in range(2000):
            own.started(f"line {i}", float(i))
            own.ended(i + 0.5)

    writer = threading.Thread(target=speak)
    writer.start()
    for _ in range(2000):
        own.said_any({"line"}, 0.0, 5000.0)
    writer.join()
    assert own.said_any({"line"}, 1999.0, 1999.2)


def test_the_loudest_output_block_in_a_window_is_what_may_echo() -> None:
    own = OwnVoice(keep_blocks=4)
    assert own.loudest_played(0.0, 10.0) == 0.0  # nothing played: nothing can echo
    for at, power in ((1.0, 0.5), (1.012, 0.01), (1.024, 0.2), (1.036, 0.0), (1.048, 0.1)):
        own.played(at, np.full(192, np.sqrt(power)), 16_000)  # 12 ms blocks
    assert own.loudest_played(1.01, 1.05) == pytest.approx(0.2)
    assert own.loudest_played(1.03, 1.04) == 0.0
    assert own.loudest_played(0.0, 2.0) == pytest.approx(0.2)  # the oldest block (0.5) was let go: only four are kept


def test_the_output_is_one_stream_at_the_rate_asked_for_though_each_block_is_dated_with_jitter() -> None:
    rate, block = 22_050, 265  # piper's rate, 12 ms blocks
    sound = np.sin(2 * np.pi * 220.0 * np.arange(40 * block) / rate)
    own = OwnVoice()
    jitter = np.random.default_rng(3).uniform(-0.004, 0.004, 40)
    for index in range(40):
        own.played(1.0 + index * block / rate + jitter[index], sound[index * block : (index + 1) * block], rate)
    start = 1.0 + jitter[0]
    heard = own.output(start + 0.1, 4800, 16_000)
    expected = np.sin(2 * np.pi * 220.0 * (0.1 + np.arange(4800) / 16_000))
    assert np.max(np.abs(heard - expected)) < 0.01
    assert not np.any(own.output(start - 0.5, 160, 16_000))  # before it played: silence
    assert not np.any(own.output(start + 40 * block / rate + 0.01, 160, 16_000))  # after it: silence


def test_blocks_dated_well_after_the_last_ones_end_start_anew_once_two_in_a_row_say_so() -> None:
    own = OwnVoice()
    own.played(1.0, np.ones(160), 16_000)
    own.played(1.5, np.ones(160), 16_000)  # the stream ran dry in between ...
    own.played(1.51, np.ones(160), 16_000)  # ... as the next block confirms
    assert not np.any(own.output(1.02, 160, 16_000))
    assert np.all(own.output(1.5, 320, 16_000) == 1.0)


def test_one_late_callback_leaves_the_output_one_stream() -> None:
    rate, block = 16_000, 160
    sound = np.sin(2 * np.pi * 220.0 * np.arange(6 * block) / rate)
    own = OwnVoice()
    for index, late in enumerate((0.0, 0.0, 0.07, 0.0, 0.0, 0.0)):  # a loaded machine: 50-170 ms now and then
        own.played(1.0 + index * block / rate + late, sound[index * block : (index + 1) * block], rate)
    assert np.max(np.abs(own.output(1.0, 6 * block, rate) - sound)) < 1e-9


def test_a_block_dated_before_the_last_ones_end_starts_anew_at_once() -> None:
    own = OwnVoice()
    own.played(1.5, np.ones(160), 16_000)  # the first block's dating was late
    own.played(1.0, np.ones(160), 16_000)
    assert np.all(own.output(1.0, 160, 16_000) == 1.0)
