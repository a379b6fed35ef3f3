"""The player's echo taken out of what the decoders hear: speexdsp's canceller, and how the recognizer feeds it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.fakes import ScriptedEngine
from tests.test_recognition import clip, played_all, player_track, speak, told
from voiceguide.adapters.echo_canceller import SpeexEchoCanceller
from voiceguide.own_voice import OwnVoice
from voiceguide.recognition import ALIGNED_SOONER, ECHO_SOONER, FRAME_SAMPLES, SAMPLE_RATE, CommandRecognizer


def _db(samples: np.ndarray) -> float:
    return 10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-9)


def test_a_laptops_echo_of_the_player_is_taken_out_once_the_canceller_has_learnt_it() -> None:
    output = speak("Lift both heels slowly, hold them up for a moment, and lower them again. Now the other foot.")
    own_voice = played_all(OwnVoice(keep_blocks=4096), output)
    delay = int(0.08 * SAMPLE_RATE)  # the sound server and the air between speaker and microphone
    microphone = np.random.default_rng(2).normal(0.0, 26.0, len(output) + delay)
    microphone[delay:] += 0.3 * output  # a laptop: about -10 dB
    heard = np.clip(np.round(microphone), -32768, 32767).astype(np.int16)
    canceller = SpeexEchoCanceller(FRAME_SAMPLES)
    cancelled = []
    for start in range(0, len(output) - FRAME_SAMPLES, FRAME_SAMPLES):
        played = own_voice.output(start / SAMPLE_RATE, FRAME_SAMPLES, SAMPLE_RATE)
        pcm = np.clip(np.round(played * 32768), -32768, 32767).astype(np.int16).tobytes()
        cancelled.append(np.frombuffer(canceller.process(heard[start : start + FRAME_SAMPLES].tobytes(), pcm), np.int16))
    learnt = len(cancelled) // 2  # the second half: the echo path is learnt by then
    after = np.concatenate(cancelled[learnt:])
    before = heard[learnt * FRAME_SAMPLES : learnt * FRAME_SAMPLES + len(after)]
    assert _db(after) < _db(before) - 15.0


class RecordingCanceller:
    """Takes nothing out; keeps what it was given, to show how the recognizer lines the output up."""

    def __init__(self) -> None:
        self.heard: list[np.ndarray] = []
        self.played: list[np.ndarray] = []
        self.reset_at: list[int] = []  # how many frames it had been given when it was told to start anew

    def process(self, heard: bytes, played: bytes) -> bytes:
        self.heard.append(np.frombuffer(heard, dtype=np.int16))
        self.played.append(np.frombuffer(played, dtype=np.int16))
        return heard

    def reset(self) -> None:
        self.reset_at.append(len(self.played))


def _lined_up(given: list[np.ndarray], heard: list[np.ndarray], lead: float) -> float:
    """How closely what the canceller was given matches what it heard `lead` seconds later."""
    samples = round(lead * SAMPLE_RATE)
    output, microphone = np.concatenate(given).astype(np.float64), np.concatenate(heard).astype(np.float64)
    return float(np.corrcoef(output[:-samples], microphone[samples:])[0, 1])


def _canceller_fed(late: Callable[[int], float] = lambda chunk: 0.0) -> tuple[RecordingCanceller, np.ndarray, int]:
    """A recording canceller in a recognizer that heard the player's lines, echoing 0.07 s after the player dated
    them, in the microphone's 0.1 s chunks, chunk `n` arriving `late(n)` seconds after its last sample; with
    what was played and how many samples were heard."""
    played, track, said = player_track(echo=0.3)
    delay = int(0.07 * SAMPLE_RATE)  # the echo comes back this late after the player dated its output
    track = np.concatenate([np.zeros(delay), track[:-delay]])
    canceller = RecordingCanceller()
    recognizer = CommandRecognizer(ScriptedEngine(), played_all(told(said), played), canceller=canceller)
    for chunk, start in enumerate(range(0, len(track), 1600)):
        piece = clip(track[start : start + 1600], seed=start)
        recognizer.feed(piece, (start + len(piece) // 2) / SAMPLE_RATE + late(chunk))
    return canceller, played, len(track)


def test_the_canceller_gets_the_output_of_each_moment_in_step_with_its_echo_once_the_waveforms_show_it() -> None:
    canceller, played, heard = _canceller_fed()
    assert len(canceller.played) < heard // FRAME_SAMPLES  # the silence before the lines is not its
    given = np.concatenate(canceller.played).astype(np.float64)
    assert np.sum(np.abs(given)) > 0.99 * np.sum(np.abs(played))  # every moment of the lines, at least once
    # Lined up once, within the player's first second: until then each frame is given a frame or two before
    # its echo can come (nothing learnt yet of the delay), then a few milliseconds before it, to the sample.
    assert len(canceller.reset_at) == 1
    found = canceller.reset_at[0]
    assert found * FRAME_SAMPLES < SAMPLE_RATE
    before = (canceller.played[:found], canceller.heard[:found])
    assert _lined_up(*before, ECHO_SOONER + 0.07) > 0.95
    after = (canceller.played[found:], canceller.heard[found:])
    assert _lined_up(*after, ALIGNED_SOONER) > 0.95
    assert _lined_up(*after, ALIGNED_SOONER + 0.01) < 0.5


def test_chunks_that_arrive_late_leave_the_output_given_in_step_with_the_echo() -> None:
    # A loaded machine: every seventh chunk's capture thread is not run at once.
    canceller, _, _ = _canceller_fed(lambda chunk: 0.07 if chunk % 7 == 3 else 0.0)
    assert len(canceller.reset_at) == 1
    given, heard = canceller.played[canceller.reset_at[0] :], canceller.heard[canceller.reset_at[0] :]
    assert _lined_up(given, heard, ALIGNED_SOONER) > 0.95
