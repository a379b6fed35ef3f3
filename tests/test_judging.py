"""The recognizer's judging rules, fast: the judge given a reading and an utterance's measures, and sound
bursts cut into utterances, read by a scripted stand-in decoder.

Each rule names its rejection reason (what `--events` logs as `not_taken`). The same rules run on
real speech and real engines in test_recognition.py and test_recognition_vosk.py.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.fakes import ScriptedEngine, SilencingFrontEnd
from voiceguide.commands import Command
from voiceguide.decoding import SAMPLE_RATE, Hypothesis, Tuning
from voiceguide.hear import recognize
from voiceguide.judging import Heard, Judge, Rejection
from voiceguide.own_voice import OwnVoice
from voiceguide.recognition import CommandRecognizer, Outcome

LEVELS = {"quiet": 26.0, "talk": 750.0, "loud": 3000.0}


def sound(*parts: tuple[str, float], seed: int = 3) -> bytes:
    """("quiet" | "talk" | "loud", seconds) in a row: a -62 dBFS room, talk across the room 12 dB below
    speech, and bursts as loud as speech said to the device (-21 dBFS)."""
    rng = np.random.default_rng(seed)
    pieces = [rng.normal(0.0, LEVELS[kind], int(seconds * SAMPLE_RATE)) for kind, seconds in parts]
    return np.clip(np.concatenate(pieces), -32768, 32767).astype(np.int16).tobytes()


def said(text: str, confidence: float = 0.9) -> Hypothesis:
    return Hypothesis(text, confidence)


ALONE = Heard(start=1.0, end=1.5, speech_seconds=0.5, person_frames=15, voiced_frames=15)


@pytest.mark.parametrize(
    ("reading", "heard", "reason"),
    [
        (said("next"), ALONE, None),
        (said("next"), replace(ALONE, too_long=True), Rejection.TOO_LONG),
        (said("next"), replace(ALONE, speech_seconds=0.1), Rejection.TOO_SHORT),
        (said("next"), replace(ALONE, speech_seconds=0.2, over_talk=True), Rejection.TOO_SHORT),
        (None, ALONE, Rejection.NOTHING_FITS),
        (said("next [unk]"), ALONE, Rejection.OUTSIDE_GRAMMAR),
        (said("okay please"), ALONE, Rejection.NOT_A_COMMAND),
        (said("next"), replace(ALONE, follows_talk=True), Rejection.FOLLOWS_TALK),
        (said("next please"), replace(ALONE, over_talk=True), Rejection.FILLERS_OVER_TALK),
        (Hypothesis("next now", 0.9, (0.3, 0.8)), ALONE, Rejection.FILLER_TOO_LONG),
        (said("next", 0.55), ALONE, Rejection.TOO_UNSURE),
        (said("okay next", 0.65), ALONE, Rejection.TOO_UNSURE),
        (said("pause", 0.55), ALONE, None),
        (said("next"), replace(ALONE, person_frames=2), Rejection.ECHO_ONLY),
    ],
)
def test_each_rule_of_the_judge_names_its_reason(
    reading: Hypothesis | None, heard: Heard, reason: Rejection | None
) -> None:
    assert Judge("en", Tuning(), OwnVoice()).finished(reading, heard).rejected is reason


def test_the_player_s_own_words_and_its_speaking_time_are_the_judge_s_too() -> None:
    own_voice = OwnVoice()
    own_voice.started("Say next when you are ready.", 0.8)
    judge = Judge("en", Tuning(), own_voice)
    echo = replace(ALONE, person_frames=4, voiced_frames=15)
    assert judge.finished(said("next"), echo).rejected is Rejection.PLAYER_SAID_IT
    assert judge.finished(said("next"), ALONE).rejected is Rejection.PLAYER_SPEAKING
    assert judge.reading(said("pause"), ALONE, spotted=True).rejected is None


def test_a_command_begun_as_the_player_falls_silent_answers_it_and_one_begun_earlier_is_said_over_it() -> None:
    own_voice = OwnVoice()
    own_voice.started("Say ready when you are set.", 0.0)
    own_voice.ended(1.05)
    judge = Judge("en", Tuning(), own_voice)
    assert judge.finished(said("ready please", 0.8), ALONE).rejected is None
    assert judge.finished(said("ready please", 0.8), replace(ALONE, start=0.8)).rejected is Rejection.PLAYER_SPEAKING


def test_a_second_opinion_is_asked_only_where_the_grammar_failed_and_the_player_is_not_heard() -> None:
    own_voice = OwnVoice()
    own_voice.started("Hold the stretch.", 3.0)
    judge = Judge("en", Tuning(), own_voice)
    unsure = judge.finished(said("next", 0.3), ALONE)
    assert judge.asks_second_opinion(unsure, ALONE)
    assert not judge.asks_second_opinion(judge.finished(said("next"), ALONE), ALONE)
    assert not judge.asks_second_opinion(judge.finished(said("next"), replace(ALONE, too_long=True)), ALONE)
    assert not judge.asks_second_opinion(unsure, replace(ALONE, start=2.5, end=3.2))
    answering = OwnVoice()
    answering.started("Paused. Say resume to carry on.", 0.0)
    answering.ended(0.5)
    assert Judge("en", Tuning(), answering).asks_second_opinion(unsure, ALONE)  # begun half a second after it
    assert judge.second_opinion("Next one, please.", ALONE).command is Command.NEXT
    assert judge.second_opinion("The meeting starts at nine.", ALONE).rejected is Rejection.NOT_A_COMMAND
    assert judge.second_opinion("Next.", replace(ALONE, person_frames=1)).rejected is Rejection.ECHO_ONLY


def test_over_the_player_a_command_heard_clearly_with_its_echo_taken_out_is_taken() -> None:
    own_voice = OwnVoice()
    own_voice.started("Heel spur exercises. Say next to skip this introduction.", 0.2)
    judge = Judge("en", Tuning(), own_voice)
    cancelled = replace(ALONE, echo_cancelled=True)
    assert judge.finished(said("next"), cancelled).rejected is None
    mostly_echo = replace(cancelled, person_frames=6, voiced_frames=15)
    assert judge.finished(said("next"), mostly_echo).rejected is Rejection.PLAYER_SAID_IT
    assert judge.finished(said("repeat"), mostly_echo).rejected is Rejection.PLAYER_SPEAKING
    assert judge.finished(said("okay i'm done please", 0.95), cancelled).rejected is Rejection.PLAYER_SPEAKING
    assert judge.finished(said("next", 0.8), cancelled).rejected is Rejection.PLAYER_SPEAKING


def judged(engine: ScriptedEngine, *parts: tuple[str, float]) -> list[Outcome]:
    return recognize(engine, sound(("quiet", 0.8), *parts, ("quiet", 1.0)))


def test_a_command_alone_between_pauses_is_taken() -> None:
    [outcome] = judged(ScriptedEngine(said("okay next please")), ("loud", 0.5))
    assert (outcome.command, outcome.rejected) == (Command.NEXT, None)


@pytest.mark.parametrize(
    ("reading", "seconds", "reason"),
    [
        (said("next"), 2.5, Rejection.TOO_LONG),
        (said("next"), 0.1, Rejection.TOO_SHORT),
        (None, 0.5, Rejection.NOTHING_FITS),
        (said("next [unk]"), 0.5, Rejection.OUTSIDE_GRAMMAR),
        (said("okay please"), 0.5, Rejection.NOT_A_COMMAND),
        (said("next", 0.55), 0.5, Rejection.TOO_UNSURE),
    ],
)
def test_what_is_not_a_command_says_why(
    reading: Hypothesis | None, seconds: float, reason: Rejection
) -> None:
    outcomes = judged(ScriptedEngine(reading), ("loud", seconds))
    assert [o.rejected for o in outcomes] == [reason]


def test_stopping_commands_need_less_certainty_than_the_others() -> None:
    [outcome] = judged(ScriptedEngine(said("pause", 0.55)), ("loud", 0.5))
    assert (outcome.command, outcome.rejected) == (Command.PAUSE, None)


def test_a_command_straight_after_other_talk_is_part_of_it_and_after_a_pause_it_is_not() -> None:
    talk_then_next = ScriptedEngine(said("what"), said("next"))
    soon = judged(talk_then_next, ("loud", 0.6), ("quiet", 0.3), ("loud", 0.4))
    assert [o.rejected for o in soon] == [Rejection.NOT_A_COMMAND, Rejection.FOLLOWS_TALK]
    later = judged(ScriptedEngine(said("what"), said("next")), ("loud", 0.6), ("quiet", 0.9), ("loud", 0.4))
    assert [o.rejected for o in later] == [Rejection.NOT_A_COMMAND, None]


def test_a_command_taken_is_not_talk_so_the_next_may_follow_at_once() -> None:
    outcomes = judged(
        ScriptedEngine(said("skip"), said("pause")), ("loud", 0.4), ("quiet", 0.3), ("loud", 0.4)
    )
    assert [(o.command, o.rejected) for o in outcomes] == [(Command.SKIP, None), (Command.PAUSE, None)]


def test_only_the_barge_in_commands_count_while_the_player_speaks() -> None:
    """The player talks through the whole utterance, quietly enough that the burst is plainly a person."""
    for reading, expected in ((said("next"), Rejection.PLAYER_SPEAKING), (said("pause"), None)):
        own_voice = OwnVoice()
        own_voice.started("Hold the stretch for thirty seconds.", 0.0)
        for block in range(40):
            own_voice.played(block * 0.1, np.full(1600, 1e-4), SAMPLE_RATE)  # 0.1 s at -80 dBFS
        recognizer = CommandRecognizer(ScriptedEngine(reading), own_voice)
        pcm = sound(("quiet", 0.8), ("loud", 0.5), ("quiet", 1.0))
        outcomes = recognizer.feed(pcm, len(pcm) / 2 / SAMPLE_RATE) + recognizer.flush()
        assert [o.rejected for o in outcomes] == [expected]


@pytest.mark.parametrize(("room_std", "cleaned"), [(26.0, False), (300.0, True)])
def test_the_noise_front_end_is_used_only_when_the_room_is_loud(room_std: float, cleaned: bool) -> None:
    """-62 dBFS (a quiet room) hears the raw audio; -41 dBFS (a fan close by) hears it through the front end."""
    rng = np.random.default_rng(5)
    room = rng.normal(0.0, room_std, int(3.0 * SAMPLE_RATE))
    room[int(1.5 * SAMPLE_RATE) : int(2.0 * SAMPLE_RATE)] += rng.normal(0.0, 6000.0, int(0.5 * SAMPLE_RATE))
    pcm = np.clip(room, -32768, 32767).astype(np.int16).tobytes()
    recognizer = CommandRecognizer(ScriptedEngine(said("next")), front_end=SilencingFrontEnd())
    outcomes = recognizer.feed(pcm, 3.0) + recognizer.flush()
    assert [o.command for o in outcomes] == ([] if cleaned else [Command.NEXT])


@pytest.mark.parametrize(
    ("reading", "seconds", "reason"),
    [
        (said("next"), 0.5, None),
        (said("next please", 1.0), 0.5, Rejection.FILLERS_OVER_TALK),
        (said("next"), 0.2, Rejection.TOO_SHORT),
    ],
)
def test_a_command_louder_than_talk_in_the_room_stands_out_of_it_without_a_pause(
    reading: Hypothesis, seconds: float, reason: Rejection | None
) -> None:
    """The talk runs on for seconds (an utterance too long to be a command) and straight on around the
    command; only a bare command, long enough not to be one of the talk's own loud syllables, is taken."""
    engine = ScriptedEngine(said("next"), reading)
    outcomes = judged(engine, ("talk", 6.0), ("loud", seconds), ("talk", 1.5))
    assert [o.rejected for o in outcomes] == [Rejection.TOO_LONG, reason]


def test_a_reading_that_leans_on_filler_words_needs_more_certainty() -> None:
    unsure = judged(ScriptedEngine(said("okay next", 0.65)), ("loud", 0.5))
    sure = judged(ScriptedEngine(said("okay next", 0.75)), ("loud", 0.5))
    bare = judged(ScriptedEngine(said("next", 0.65)), ("loud", 0.5))
    assert [o.rejected for o in unsure + sure + bare] == [Rejection.TOO_UNSURE, None, None]


def test_a_filler_word_that_lasts_as_long_as_other_words_has_soaked_them_up() -> None:
    """ "hold on I am on the phone" read as "hold on now": the "now" covers "I am on the phone"."""
    soaked = judged(ScriptedEngine(Hypothesis("hold on now", 1.0, (0.3, 0.3, 0.8))), ("loud", 1.4))
    said_so = judged(ScriptedEngine(Hypothesis("hold on now", 1.0, (0.3, 0.3, 0.3))), ("loud", 0.9))
    assert [o.rejected for o in soaked + said_so] == [Rejection.FILLER_TOO_LONG, None]


def test_the_player_s_own_voice_coming_back_late_is_not_taken_for_talk_in_the_room() -> None:
    """A loaded sound server played the player's words up to seconds after it had handed them over; that
    echo, learnt as talk, made a person's "next please" just after it a filler said over talk."""
    own_voice = OwnVoice()
    own_voice.started("Spread the towel flat on the floor.", 0.8)
    own_voice.ended(2.8)
    recognizer = CommandRecognizer(ScriptedEngine(said("okay"), said("next please")), own_voice)
    pcm = sound(("quiet", 0.8), ("talk", 4.5), ("quiet", 0.8), ("loud", 0.5), ("quiet", 1.0))
    outcomes = recognizer.feed(pcm, len(pcm) / 2 / SAMPLE_RATE) + recognizer.flush()
    assert [(o.command, o.rejected) for o in outcomes] == [(None, Rejection.TOO_LONG), (Command.NEXT, None)]
