"""Finding, to the sample, how late the player's output comes back through the microphone."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_recognition import speak
from voiceguide.echo_alignment import EchoAlignment
from voiceguide.recognition import FRAME_SAMPLES, SAMPLE_RATE

PLAYED = "Sit tall on the chair, loop the towel around the ball of your foot, and draw your toes gently back."


def _alignment_over(
    output: np.ndarray, microphone: np.ndarray, jitter: float = 0.0
) -> tuple[EchoAlignment, list[float]]:
    """An alignment that heard `microphone` frame by frame while `output` played (both from time 0), each
    chunk of the microphone's dated up to `jitter` seconds off, and when it said its lag changed."""
    alignment = EchoAlignment(SAMPLE_RATE, longest=3.0)

    def played(start: float, count: int) -> np.ndarray:
        first = round(start * SAMPLE_RATE)
        padded = np.concatenate([np.zeros(max(0, -first)), output[max(0, first) :], np.zeros(count)])
        return padded[:count] / 32768.0

    changes = []
    dating = np.random.default_rng(4)
    for end in range(FRAME_SAMPLES, len(microphone) + 1, FRAME_SAMPLES):
        dated = end / SAMPLE_RATE + dating.uniform(-jitter, jitter)
        if alignment.follow(microphone[end - FRAME_SAMPLES : end], dated, played):
            changes.append(end / SAMPLE_RATE)
    return alignment, changes


def _room(samples: int) -> np.ndarray:
    return np.random.default_rng(3).normal(0.0, 26.0, samples)  # -62 dBFS


@pytest.mark.parametrize("late", [0.0, 0.083, 0.35, 2.0])
def test_the_echo_is_found_to_the_sample_within_a_second_of_the_players_sound(late: float) -> None:
    output = speak(PLAYED)
    shift = round(late * SAMPLE_RATE)
    microphone = _room(len(output) + shift)
    microphone[shift:] += 0.3 * output  # a laptop: about -10 dB
    alignment, changes = _alignment_over(output, microphone)
    assert alignment.lag is not None and abs(alignment.lag - late) <= 1 / SAMPLE_RATE
    assert len(changes) == 1 and changes[0] < late + 1.0


def test_the_microphones_dating_jittering_by_milliseconds_does_not_move_it() -> None:
    output = speak(PLAYED * 2)
    shift = round(0.064 * SAMPLE_RATE)
    microphone = _room(len(output) + shift)
    microphone[shift:] += 0.3 * output
    alignment, changes = _alignment_over(output, microphone, jitter=0.003)
    assert alignment.lag is not None and abs(alignment.lag - 0.064) <= 0.003
    assert len(changes) == 1


@pytest.mark.parametrize(("before", "after"), [(0.11, 0.04), (0.1, 0.5), (0.1, 2.0)])
def test_an_echo_whose_delay_changes_is_followed_within_a_second(before: float, after: float) -> None:
    """A sound server may change the delay when its output starts again, by a little or by seconds."""
    output = speak(PLAYED * 2)
    half = len(output) // 2
    microphone = _room(len(output) + 2 * SAMPLE_RATE)
    early, late = round(before * SAMPLE_RATE), round(after * SAMPLE_RATE)
    microphone[early : early + half] += 0.3 * output[:half]
    microphone[late + half : late + len(output)] += 0.3 * output[half:]
    alignment, changes = _alignment_over(output, microphone)
    assert alignment.lag is not None and abs(alignment.lag - after) <= 1 / SAMPLE_RATE
    assert len(changes) == 2 and half / SAMPLE_RATE + after < changes[1] < half / SAMPLE_RATE + after + 1.0


def test_a_person_talking_over_the_echo_does_not_move_it() -> None:
    output = speak(PLAYED)
    shift = round(0.12 * SAMPLE_RATE)
    microphone = _room(len(output) + shift)
    microphone[shift:] += 0.3 * output
    person = speak("Hold on, I need to move the chair a little closer to the wall first.", "en-us+m3", 135)
    at = SAMPLE_RATE  # from a second in, ten decibels above the echo
    microphone[at : at + len(person)] += person[: len(microphone) - at] * 0.3 * np.sqrt(10)
    alignment, changes = _alignment_over(output, microphone)
    assert alignment.lag is not None and abs(alignment.lag - 0.12) <= 1 / SAMPLE_RATE
    assert len(changes) == 1


def test_a_person_alone_is_no_echo_even_saying_the_players_words() -> None:
    output = speak(PLAYED)
    # Even in the player's own voice (as in the e2e rig, where espeak-ng speaks for both), which no person has.
    person = speak("Draw your toes gently back and sit tall on the chair, with the towel around your foot.")
    microphone = _room(len(output))
    microphone[: len(person)] += person[: len(output)]
    alignment, changes = _alignment_over(output, microphone)
    assert alignment.lag is None and changes == []
