"""EchoGate and EchoDelay: the player's own output heard back is told from a person talking, by its level and
by when it comes back."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakes import ScriptedEngine
from tests.test_recognition import LAPTOP_ECHO, clip, played_all, player_track, speak, told
from voiceguide.commands import Command
from voiceguide.decoding import SAMPLE_RATE, Hypothesis, Tuning
from voiceguide.own_voice import OwnVoice
from voiceguide.recognition import FRAME_SECONDS, CommandRecognizer, EchoDelay, EchoGate


def person(gate: EchoGate, heard_db: float, played_db: float) -> bool:
    """The recognizer's question of a frame: is it its margin (6 dB) above the echo the gate expects?"""
    return gate.above_echo_db(heard_db, played_db) > Tuning().echo_margin_db


def speech_levels(frames: int, seed: int, loudness_db: float = -20.0) -> np.ndarray:
    """Frame levels (dBFS) that rise and fall like speech."""
    return loudness_db + np.random.default_rng(seed).uniform(-12.0, 0.0, frames)


def test_through_a_laptop_the_echo_is_learnt_and_only_louder_speech_is_a_person() -> None:
    gate = EchoGate(margin_db=6.0)
    played = speech_levels(400, seed=1)
    echo = played - 10.0 + np.random.default_rng(2).uniform(-3.0, 0.0, 400)
    assert sum(person(gate, heard, out) for heard, out in zip(echo, played, strict=True)) <= 15  # warm-up only
    assert -13.5 < gate.coupling_db < -9.5
    assert not any(person(gate, out - 10.5, out) for out in speech_levels(100, seed=3))
    assert all(person(gate, out + 2.0, out) for out in speech_levels(100, seed=4))  # someone at the output's level


def test_someone_talking_over_the_player_does_not_teach_it_a_louder_echo() -> None:
    gate = EchoGate(margin_db=6.0)
    for out in speech_levels(200, seed=5):
        person(gate, out - 10.0, out)
    learnt = gate.coupling_db
    for out in speech_levels(40, seed=6):  # over a second of talk over the player
        assert person(gate, out + 3.0, out)
    assert gate.coupling_db == learnt


def test_a_speaker_turned_up_for_good_is_learnt_again() -> None:
    gate = EchoGate(margin_db=6.0)
    for out in speech_levels(200, seed=7):
        person(gate, out - 20.0, out)
    for out in speech_levels(600, seed=8):
        person(gate, out - 5.0, out)
    assert gate.coupling_db > -8.0
    assert not person(gate, -25.0, -20.0)


def test_with_headphones_or_silence_everything_heard_is_the_person() -> None:
    gate = EchoGate(margin_db=6.0)
    for out in speech_levels(200, seed=9):
        person(gate, -62.0, out)  # the microphone hears only the room
    assert person(gate, -30.0, -20.0)
    assert person(gate, -50.0, -120.0)  # nothing played: nothing can echo


def talking_levels(frames: int, seed: int) -> np.ndarray:
    """Output levels (dBFS) of a player talking: words of a few frames, with pauses between them."""
    rng = np.random.default_rng(seed)
    levels = np.full(frames, -120.0)
    at = 0
    while at < frames:
        word = int(rng.integers(5, 20))
        levels[at : at + word] = -20.0 + rng.uniform(-8.0, 0.0, len(levels[at : at + word]))
        at += word + int(rng.integers(3, 15))
    return levels


def test_the_echo_s_delay_is_learnt_from_when_the_output_comes_back() -> None:
    delay = EchoDelay(longest=3.0)
    played = talking_levels(500, seed=10)
    lag = 40  # 1.2 s: a loaded sound server
    room = -62.0 + np.random.default_rng(11).uniform(-1.0, 1.0, 500 + lag)
    heard = room.copy()
    heard[lag:] = np.maximum(room[lag:], played - 10.0)
    for frame in range(500):
        delay.follow(heard[frame], played[frame])
    assert abs(delay.seconds - lag * FRAME_SECONDS) < 1.5 * FRAME_SECONDS


def test_a_person_answering_each_of_the_player_s_lines_is_not_taken_for_its_echo() -> None:
    delay = EchoDelay(longest=3.0)
    played = talking_levels(500, seed=16)
    room = -62.0 + np.random.default_rng(17).uniform(-1.0, 1.0, 500)
    answers = talking_levels(500, seed=18) + 3.0
    heard = room.copy()
    for frame in range(20, 500):
        if played[frame - 20 : frame].max() > -50.0 and played[frame] < -50.0:  # just after the player's words
            heard[frame] = max(room[frame], answers[frame])
    for frame in range(500):
        delay.follow(heard[frame], played[frame])
    assert delay.seconds == 0.0


def test_with_headphones_no_delay_is_learnt() -> None:
    delay = EchoDelay(longest=3.0)
    room = -62.0 + np.random.default_rng(12).uniform(-1.0, 1.0, 500)
    person = talking_levels(500, seed=13) + 5.0  # someone talking in the room, unrelated to the output
    for frame, played in enumerate(talking_levels(500, seed=14)):
        delay.follow(max(room[frame], person[frame]), played)
    assert delay.seconds == 0.0


def test_an_echo_a_second_late_is_known_for_the_player_s_once_its_delay_is_learnt() -> None:
    """The player says a half-second line every 2 s; a loaded server plays each a second after the player
    dates it, so its echo falls in the player's silence, where a fixed allowance took it for a person."""
    rng = np.random.default_rng(15)
    own_voice = OwnVoice()
    room = rng.normal(0.0, 26.0, 17 * SAMPLE_RATE)
    for line in range(8):
        start = 0.5 + 2.0 * line
        own_voice.started("Lift your heels, and up.", start)
        own_voice.ended(start + 0.5)
        syllables = np.repeat(rng.uniform(800.0, 4000.0, 16), 500)  # rising and falling like words
        line_sound = rng.normal(0.0, 1.0, len(syllables)) * syllables
        for block in range(16):
            piece = line_sound[block * 500 : (block + 1) * 500] / 32768.0
            own_voice.played(start + block * 500 / SAMPLE_RATE, piece, SAMPLE_RATE)
        first = int((start + 1.0) * SAMPLE_RATE)
        room[first : first + len(line_sound)] += 0.3 * line_sound  # -10 dB
    pcm = np.clip(room, -32768, 32767).astype(np.int16).tobytes()

    def taken_once_learnt(tuning: Tuning) -> list[Command | None]:
        recognizer = CommandRecognizer(ScriptedEngine(*[Hypothesis("help", 0.9)] * 8), own_voice, tuning)
        outcomes = recognizer.feed(pcm, len(pcm) / 2 / SAMPLE_RATE) + recognizer.flush()
        return [o.command for o in outcomes if o.accepted and o.speech_start > 8.0]

    assert taken_once_learnt(Tuning(longest_echo_delay=0.0)) == [Command.HELP] * 4
    assert taken_once_learnt(Tuning()) == []


def echoed(played: np.ndarray, lags: np.ndarray, seed: int) -> np.ndarray:
    """What the microphone hears: the room, and each frame of `played` `lags[frame]` frames late at -10 dB."""
    heard = -62.0 + np.random.default_rng(seed).uniform(-1.0, 1.0, len(played))
    for frame, lag in enumerate(lags):
        if frame >= lag:
            heard[frame] = max(heard[frame], played[frame - lag] - 10.0)
    return heard


def test_a_late_echo_is_known_within_three_seconds_of_the_player_s_first_words() -> None:
    delay = EchoDelay(longest=3.0)
    played = talking_levels(round(3.0 / FRAME_SECONDS), seed=20)
    heard = echoed(played, np.full(len(played), 20), seed=21)  # 0.6 s late
    for frame in range(len(played)):
        delay.follow(heard[frame], played[frame])
    assert abs(delay.seconds - 20 * FRAME_SECONDS) < 1.5 * FRAME_SECONDS


def test_a_delay_that_drifts_by_a_frame_stays_where_it_was_and_a_real_change_is_followed() -> None:
    """Each move of the delay makes the echo canceller learn the echo's path anew."""
    delay = EchoDelay(longest=3.0)
    played = talking_levels(1500, seed=22)
    heard = echoed(played, np.repeat([4, 5, 12], 500), seed=23)
    learnt = []
    for frame in range(1500):
        delay.follow(heard[frame], played[frame])
        learnt.append(delay.seconds)
    assert set(learnt[300:1000]) == {learnt[300]}
    assert abs(learnt[300] - 4.5 * FRAME_SECONDS) < FRAME_SECONDS
    assert learnt[-1] == pytest.approx(12 * FRAME_SECONDS)


@pytest.mark.parametrize("seed", range(30, 90, 3))
def test_a_person_s_first_pause_over_the_player_is_not_taken_for_a_late_echo(seed: int) -> None:
    """With headphones nothing comes back; a person's one word over the player's first seconds is not an echo
    of them (a busy e2e run took a "pause" said 2 s in for an echo 2 s late, then heard "stop" in "next
    exercise"). The listener starts a little before the player speaks."""
    delay = EchoDelay(longest=3.0)
    lead, frames = round(0.9 / FRAME_SECONDS), round(6.0 / FRAME_SECONDS)
    played = np.concatenate([np.full(lead, -120.0), talking_levels(frames - lead, seed=seed)])
    heard = -62.0 + np.random.default_rng(seed + 1).uniform(-1.0, 1.0, frames)
    said = lead + round(2.0 / FRAME_SECONDS)
    word = round(0.5 / FRAME_SECONDS)
    heard[said : said + word] = played[lead : lead + word] + 5.0  # rising and falling like the player's words
    learnt = set()
    for frame in range(frames):
        delay.follow(heard[frame], played[frame])
        learnt.add(delay.seconds)
    assert learnt == {0.0}


def test_a_person_over_the_players_words_is_judged_by_their_own_frames_not_the_echo_after_them() -> None:
    # The player says "if it hurts, say it hurts" on and on; a person says "it hurts" over it, louder than its
    # echo. The quiet that ends their utterance is the player's echo alone: counted, it made their words look
    # mostly echo, and the player's own (bench/barge_in.py: fewer commands over the player taken as said).
    lines = ("If your heel hurts at any point in this exercise, just say it hurts and we stop at once",) * 2
    played, track, said = player_track(lines, echo=LAPTOP_ECHO, voice="en-us")
    user = speak("it hurts", "en-us+m3", 150)
    at = int((said[0][1] + 2.0) * SAMPLE_RATE)
    track[at : at + len(user)] += user * (10 ** (10 / 20) * np.sqrt(np.mean(track[at - 8000 : at] ** 2) / np.mean(user**2)))
    own_voice = played_all(told(said), played)
    engine = ScriptedEngine(*[Hypothesis("it hurts", 0.95)] * 20)
    recognizer = CommandRecognizer(engine, own_voice)
    outcomes = []
    for start in range(0, len(track), 1600):
        piece = clip(track[start : start + 1600], seed=start)
        outcomes += recognizer.feed(piece, (start + len(piece) // 2) / SAMPLE_RATE)
    around = [o for o in outcomes if abs(o.at - at / SAMPLE_RATE - 0.5) < 1.0]
    assert [o.command for o in around if o.accepted] == [Command.PAIN], around
