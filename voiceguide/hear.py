"""`voiceguide hear FILE.wav...`: the live recognizer run over recordings, for checks and tuning.

Each file goes through the same CommandRecognizer as the microphone, from a fresh state, in
0.1 s chunks as if heard live, only as fast as the CPU allows. One JSON line per command.
"""

from __future__ import annotations

import io
import json
import sys
import wave
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from voiceguide.adapters.backends import NoListenerError, choose_engine, load_engine, tuning_for
from voiceguide.adapters.webrtc_noise import WebrtcNoiseSuppression
from voiceguide.adapters.whisper_opinion import load_second_opinion
from voiceguide.decoding import SecondOpinion
from voiceguide.exit_codes import ExitCode
from voiceguide.recognition import SAMPLE_RATE, CommandRecognizer, Engine, Outcome, Tuning

RESAMPLE_TAPS = 64  # each side of the low-pass filter's centre
CHUNK_SECONDS = 0.1


class BadAudio(ValueError):
    """A file that is not a 16-bit mono WAV; the message names the file and the problem."""


WAVE_FORMAT_PCM = 1
WAVE_FORMAT_EXTENSIBLE = 0xFFFE


def _as_plain_pcm(data: bytes) -> bytes:
    """The WAV with an extensible header holding PCM samples (ffmpeg and some recorders write those) relabelled
    plain PCM, which is all Python's wave module reads; any other file comes back unchanged."""
    fmt = data.find(b"fmt ", 12)
    if fmt < 0 or len(data) < fmt + 34:
        return data
    tag = int.from_bytes(data[fmt + 8 : fmt + 10], "little")
    subformat = int.from_bytes(data[fmt + 32 : fmt + 34], "little")
    if tag != WAVE_FORMAT_EXTENSIBLE or subformat != WAVE_FORMAT_PCM:
        return data
    return data[: fmt + 8] + WAVE_FORMAT_PCM.to_bytes(2, "little") + data[fmt + 10 :]


def read_wav(path: Path) -> bytes:
    """16 kHz mono int16 samples of a 16-bit mono WAV (other sample rates are resampled)."""
    try:
        with wave.open(io.BytesIO(_as_plain_pcm(path.read_bytes())), "rb") as source:
            channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
            frames = source.readframes(source.getnframes())
    except (wave.Error, EOFError) as error:
        raise BadAudio(f"{path}: not a WAV file ({error}).") from error
    if channels != 1 or width != 2:
        raise BadAudio(
            f"{path}: needs 16-bit mono audio, found {8 * width}-bit with {channels} channels;"
            " convert it first, e.g. sox IN.wav -b 16 -c 1 OUT.wav."
        )
    if rate == SAMPLE_RATE:
        return frames
    resampled = resample(np.frombuffer(frames, dtype=np.int16).astype(np.float64), rate)
    return np.clip(np.round(resampled), -32768, 32767).astype(np.int16).tobytes()


def resample(samples: np.ndarray, rate: int, new_rate: int = SAMPLE_RATE) -> np.ndarray:
    """`samples` at `new_rate`. Sound above half the new rate is filtered out first: left in, it would
    fold back into the bands the recognizer listens to (espeak-ng renders at 22050 Hz, recorders at
    44100 or 48000)."""
    if new_rate < rate:
        cutoff = 0.45 * new_rate / rate  # in cycles per source sample, below the new Nyquist
        taps = np.arange(-RESAMPLE_TAPS, RESAMPLE_TAPS + 1)
        kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(len(taps))
        samples = np.convolve(samples, kernel / kernel.sum(), mode="same")
    times = np.arange(0, len(samples) / rate, 1 / new_rate)
    return np.interp(times, np.arange(len(samples)) / rate, samples)


def chunks(pcm: bytes, seconds: float = CHUNK_SECONDS) -> Iterator[bytes]:
    size = 2 * round(SAMPLE_RATE * seconds)
    for offset in range(0, len(pcm), size):
        yield pcm[offset : offset + size]


def recognize(
    engine: Engine,
    pcm: bytes,
    tuning: Tuning | None = None,
    numbers: bool = False,
    second_opinion: SecondOpinion | None = None,
) -> list[Outcome]:
    """Every outcome (accepted or not) of one recording, with times as positions in the audio."""
    return [outcome for step in recognize_by_step(engine, pcm, tuning, numbers, second_opinion) for outcome in step]


def recognize_by_step(
    engine: Engine,
    pcm: bytes,
    tuning: Tuning | None = None,
    numbers: bool = False,
    second_opinion: SecondOpinion | None = None,
) -> Iterator[list[Outcome]]:
    """The outcomes of each chunk as it is fed, so a caller can time what deciding them took."""
    recognizer = CommandRecognizer(
        engine, tuning=tuning, front_end=WebrtcNoiseSuppression(), second_opinion=second_opinion
    )
    recognizer.expect_numbers(numbers)
    position = 0
    for chunk in chunks(pcm):
        position += len(chunk) // 2
        yield recognizer.feed(chunk, position / SAMPLE_RATE)
    # A recording that stops mid-word: pretend the person then fell silent.
    silence = bytes(2 * round(SAMPLE_RATE * (recognizer.tuning.hangover + CHUNK_SECONDS)))
    yield recognizer.feed(silence, (position + len(silence) // 2) / SAMPLE_RATE)
    yield recognizer.flush()


def outcome_line(name: str, outcome: Outcome) -> str:
    heard = outcome.command.value if outcome.command is not None else None
    record: dict[str, object] = {"file": name, "command": heard, "text": outcome.text}
    if outcome.number is not None:
        record["number"] = outcome.number
    record |= {"at": round(outcome.position, 2), "confidence": round(outcome.confidence, 2)}
    return json.dumps(record, ensure_ascii=False)


def hear(
    files: Sequence[str | Path],
    engine: str | None = None,
    language: str = "en",
    model: str | Path | None = None,
    numbers: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> ExitCode:
    """Run the recognizer over each file and print the commands; returns the exit code.

    Every file is tried; the exit code is that of the first failure (66 missing, 65 bad audio,
    69 no engine), else 0.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        choice = choose_engine(language, engine, Path(model) if model else None)
        loaded = load_engine(choice)
        second_opinion = load_second_opinion(language)
    except NoListenerError as error:
        err.write(f"{error}\n")
        return ExitCode.UNAVAILABLE
    status = ExitCode.OK
    for name in files:
        path = Path(name)
        if not path.is_file():
            err.write(f"{path}: no such file.\n")
            status = status or ExitCode.NOT_FOUND
            continue
        try:
            pcm = read_wav(path)
        except BadAudio as error:
            err.write(f"{error}\n")
            status = status or ExitCode.INVALID
            continue
        for outcome in recognize(loaded, pcm, tuning_for(choice), numbers, second_opinion):
            if outcome.accepted:
                out.write(outcome_line(str(name), outcome) + "\n")
        out.flush()
    return status
