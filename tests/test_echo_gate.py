"""EchoGate: the player's own output heard back is told from a person talking, by level alone."""

from __future__ import annotations

import numpy as np

from voiceguide.recognition import EchoGate


def speech_levels(frames: int, seed: int, loudness_db: float = -20.0) -> np.ndarray:
    """Frame levels (dBFS) that rise and fall like speech."""
    return loudness_db + np.random.default_rng(seed).uniform(-12.0, 0.0, frames)


def test_through_a_laptop_the_echo_is_learnt_and_only_louder_speech_is_a_person() -> None:
    gate = EchoGate(margin_db=6.0)
    played = speech_levels(400, seed=1)
    echo = played - 10.0 + np.random.default_rng(2).uniform(-3.0, 0.0, 400)
    assert sum(gate.person(heard, out) for heard, out in zip(echo, played, strict=True)) <= 15  # warm-up only
    assert -13.5 < gate.coupling_db < -9.5
    assert not any(gate.person(out - 10.5, out) for out in speech_levels(100, seed=3))
    assert all(gate.person(out + 2.0, out) for out in speech_levels(100, seed=4))  # someone at the output's level


def test_someone_talking_over_the_player_does_not_teach_it_a_louder_echo() -> None:
    gate = EchoGate(margin_db=6.0)
    for out in speech_levels(200, seed=5):
        gate.person(out - 10.0, out)
    learnt = gate.coupling_db
    for out in speech_levels(40, seed=6):  # over a second of talk over the player
        assert gate.person(out + 3.0, out)
    assert gate.coupling_db == learnt


def test_a_speaker_turned_up_for_good_is_learnt_again() -> None:
    gate = EchoGate(margin_db=6.0)
    for out in speech_levels(200, seed=7):
        gate.person(out - 20.0, out)
    for out in speech_levels(600, seed=8):
        gate.person(out - 5.0, out)
    assert gate.coupling_db > -8.0
    assert not gate.person(-25.0, -20.0)


def test_with_headphones_or_silence_everything_heard_is_the_person() -> None:
    gate = EchoGate(margin_db=6.0)
    for out in speech_levels(200, seed=9):
        gate.person(-62.0, out)  # the microphone hears only the room
    assert gate.person(-30.0, -20.0)
    assert gate.person(-50.0, -120.0)  # nothing played: nothing can echo
