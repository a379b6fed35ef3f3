"""What every speech synthesizer shares: rendered samples, voices, the Synthesizer protocol, WAV files.

Synthesizers (pyttsx3_synthesizer.py, ...) only *render* text to samples; `renderer.py` runs one on its
own thread and `phrase_cache.py` keeps what it rendered, so no module here plays anything.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np


class SpeechFailed(RuntimeError):
    """One phrase could not be rendered (error, timeout, or the engine is stuck on an earlier one)."""


@dataclass(frozen=True)
class VoiceInfo:
    """An installed voice. `id` is what settings store, e.g. "gmw/en-us"."""

    id: str
    name: str
    languages: tuple[str, ...]

    @property
    def short_id(self) -> str:
        return self.id.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Rendered:
    """A rendered phrase: mono 16-bit samples at `rate`, silence trimmed. `substitute` marks a phrase
    spoken by a fallback voice instead of the one asked for (never cached under that voice)."""

    samples: np.ndarray
    rate: int
    substitute: bool = False

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


class Synthesizer(Protocol):
    """Renders text; created and used on the renderer thread only."""

    def voices(self) -> list[VoiceInfo]: ...

    def render(self, text: str, voice: str, rate: int) -> Rendered: ...

    def close(self) -> None: ...


def read_wav(path: Path) -> Rendered:
    with wave.open(str(path)) as reader:
        if reader.getnchannels() != 1 or reader.getsampwidth() != 2:
            raise ValueError(f"{path} is not 16-bit mono")
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        return Rendered(samples, reader.getframerate())


def write_wav(path: Path, rendered: Rendered) -> None:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rendered.rate)
        writer.writeframes(rendered.samples.astype("<i2").tobytes())
