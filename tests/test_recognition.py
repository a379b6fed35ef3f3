"""The command recognizer with the real pocketsphinx engine on espeak-ng speech.

Clips are synthesized per session (espeak-ng, a noise floor like a real microphone), fed in live-
sized chunks through CommandRecognizer exactly as the microphone and `voiceguide hear` do.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from voiceguide.commands import Command
from voiceguide.hear import chunks, recognize
from voiceguide.own_voice import OwnVoice
from voiceguide.recognition import SAMPLE_RATE, CommandRecognizer, Outcome

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def speak(text: str, voice: str = "en-us", speed: int = 150, folder: Path | None = None) -> np.ndarray:
    """espeak-ng speech as float samples at 16 kHz, its own silence trimmed."""
    out = Path(folder or "/tmp") / f"speak-{abs(hash((text, voice, speed)))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text], check=True)
    with wave.open(str(out)) as source:
        rate = source.getframerate()
        samples = np.frombuffer(source.readframes(source.getnframes()), dtype=np.int16).astype(np.float64)
    out.unlink()
    audio = np.interp(
        np.arange(0, len(samples) / rate, 1 / SAMPLE_RATE), np.arange(len(samples)) / rate, samples
    )
    loud = np.flatnonzero(np.abs(audio) > 200)
    return audio[loud[0] : loud[-1] + 1]


def clip(*parts: np.ndarray | float, seed: int = 1) -> bytes:
    """Speech and pauses (seconds) in a row over a -62 dBFS noise floor (real microphones never give zeros)."""
    pieces = [np.zeros(int(p * SAMPLE_RATE)) if isinstance(p, float) else p for p in parts]
    audio = np.concatenate(pieces)
    audio += np.random.default_rng(seed).normal(0.0, 26.0, len(audio))
    return np.clip(audio, -32768, 32767).astype(np.int16).tobytes()


def accepted(outcomes: list[Outcome]) -> list[Command | None]:
    return [o.command for o in outcomes if o.accepted]


@pytest.fixture(scope="session")
def sphinx():
    from voiceguide.adapters.sphinx_listener import SphinxEngine

    return SphinxEngine("en")


@pytest.mark.parametrize(
    ("said", "command"),
    [
        ("next", Command.NEXT),
        ("pause", Command.PAUSE),
        ("stop", Command.STOP),
        ("repeat", Command.REPEAT),
        ("what can I say", Command.HELP),
        ("okay previous", Command.BACK),
        ("continue please", Command.RESUME),
    ],
)
def test_a_command_said_alone_or_with_fillers_is_heard(sphinx, said: str, command: Command) -> None:
    outcomes = recognize(sphinx, clip(0.8, speak(said), 1.0))
    assert accepted(outcomes) == [command]


@pytest.mark.parametrize(
    "sentence",
    [
        "I think we should go out for dinner tonight",
        "the weather is nice today",
        "the meeting starts at nine",
        "how long does it take to get there",
    ],
)
def test_ordinary_sentences_are_not_commands(sphinx, sentence: str) -> None:
    assert accepted(recognize(sphinx, clip(0.8, speak(sentence, "en-gb"), 1.0))) == []


def test_noise_alone_is_not_a_command(sphinx) -> None:
    rng = np.random.default_rng(5)
    hum = 300 * np.sin(2 * np.pi * 100 * np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE)
    knocks = np.zeros(3 * SAMPLE_RATE)
    knocks[[8000, 24000, 40000]] = 20000
    pcm = clip(hum + knocks + rng.normal(0, 400, len(hum)))
    assert accepted(recognize(sphinx, pcm)) == []


def test_the_decision_comes_soon_after_the_command_ends(sphinx) -> None:
    spoken = speak("stop")
    (outcome,) = [o for o in recognize(sphinx, clip(1.0, spoken, 1.5)) if o.accepted]
    end = 1.0 + len(spoken) / SAMPLE_RATE
    assert 0.0 < outcome.position - end < 0.6


def test_numbers_are_heard_only_during_a_check_in(sphinx) -> None:
    pcm = clip(0.8, speak("four"), 1.0)
    assert accepted(recognize(sphinx, pcm)) == []
    (answer,) = [o for o in recognize(sphinx, pcm, numbers=True) if o.accepted]
    assert answer.number == 4


def feed_with_own_voice(sphinx, pcm: bytes, own_voice: OwnVoice) -> list[Outcome]:
    """Feed like the microphone does, the clock being the audio position."""
    recognizer = CommandRecognizer(sphinx, own_voice)
    outcomes: list[Outcome] = []
    position = 0
    for chunk in chunks(pcm):
        position += len(chunk) // 2
        outcomes += recognizer.feed(chunk, position / SAMPLE_RATE)
    return outcomes + recognizer.flush()


PLAYER_LINES = ("Next, we stretch the calf", "Repeat this ten times", "Do not stop breathing")


def player_track(lines: tuple[str, ...] = PLAYER_LINES) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """The player's speech as the microphone hears it (quieter, from the laptop speaker), and when each line played."""
    parts, said, at = [np.zeros(int(0.8 * SAMPLE_RATE))], [], 0.8
    for line in lines:
        audio = speak(line, "en-gb", 170) * 0.5
        said.append((line, at, at + len(audio) / SAMPLE_RATE))
        parts += [audio, np.zeros(int(0.7 * SAMPLE_RATE))]
        at += len(audio) / SAMPLE_RATE + 0.7
    return np.concatenate([*parts, np.zeros(SAMPLE_RATE)]), said


def told(said: list[tuple[str, float, float]]) -> OwnVoice:
    own_voice = OwnVoice()
    for line, start, end in said:
        own_voice.started(line, start)
        own_voice.ended(end)
    return own_voice


def test_the_players_own_sentences_are_not_obeyed(sphinx) -> None:
    track, said = player_track()
    assert accepted(feed_with_own_voice(sphinx, clip(track), told(said))) == []


def test_pause_said_over_the_player_still_pauses(sphinx) -> None:
    track, said = player_track()
    user = speak("pause", "en-us", 160) * 0.8
    start = int(said[2][1] * SAMPLE_RATE) + 4000  # over "Do not stop breathing"
    track[start : start + len(user)] += user
    assert accepted(feed_with_own_voice(sphinx, clip(track), told(said))) == [Command.PAUSE]


def test_a_command_word_just_after_the_player_said_it_is_ignored(sphinx) -> None:
    own_voice = OwnVoice()
    own_voice.started("Repeat this ten times.", 0.2)
    own_voice.ended(0.9)
    pcm = clip(1.0, speak("repeat"), 1.0)
    assert accepted(feed_with_own_voice(sphinx, pcm, own_voice)) == []
    assert accepted(feed_with_own_voice(sphinx, pcm, OwnVoice())) == [Command.REPEAT]
