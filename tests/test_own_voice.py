"""OwnVoice: what the player said and when, read by the listener to ignore its own words."""

from __future__ import annotations

import threading

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
        own.played(at, power)
    assert own.loudest_played(1.01, 1.05) == 0.2
    assert own.loudest_played(1.03, 1.04) == 0.0
    assert own.loudest_played(0.0, 2.0) == 0.2  # the oldest block (0.5) was let go: only four are kept
