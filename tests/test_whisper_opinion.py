"""Whisper's second opinion, for real: tiny.en transcribing speech the grammar decoder could not place."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import ScriptedEngine
from tests.test_recognition import clip, speak, speak_naturally
from voiceguide.adapters.whisper_opinion import WhisperOpinion, load_second_opinion
from voiceguide.commands import Command
from voiceguide.decoding import Hypothesis
from voiceguide.hear import recognize
from voiceguide.judging import Rejection


@pytest.fixture(scope="module")
def whisper() -> WhisperOpinion:
    opinion = load_second_opinion("en")
    assert opinion is not None, "the whisper extra is installed by setup.sh --test"
    return opinion


def test_a_command_the_grammar_decoder_was_unsure_of_is_taken_when_whisper_hears_it(whisper) -> None:
    audio = clip(0.8, 0.7 * speak_naturally("next one"), 1.0)
    unsure = Hypothesis("next", 0.3)
    (alone,) = recognize(ScriptedEngine(unsure), audio)
    assert alone.rejected is Rejection.TOO_UNSURE and alone.by == "scripted"
    (asked,) = recognize(ScriptedEngine(unsure), audio, second_opinion=whisper)
    assert asked.accepted and asked.command is Command.NEXT and asked.by == "whisper tiny.en"


def test_an_ordinary_sentence_stays_no_command_and_keeps_the_decoder_s_reason(whisper) -> None:
    audio = clip(0.8, speak("the meeting starts at nine", "en-gb"), 1.0)
    outcomes = recognize(ScriptedEngine(None), audio, second_opinion=whisper)
    assert [o.rejected for o in outcomes] == [Rejection.NOTHING_FITS]


def test_weights_other_than_the_measured_ones_are_refused(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"not the model")
    with pytest.raises(ValueError, match="not the Whisper model"):
        WhisperOpinion(tmp_path)


def test_there_is_no_second_opinion_for_other_languages() -> None:
    assert load_second_opinion("ko") is None
