"""The pocketsphinx engine: US English from the model inside the wheel, so voice works out of the box.

A grammar of only the commands accepts almost any speech as some command, so each utterance is
decoded twice: against the grammar and as a free phone loop. The phone loop is the best the
acoustic model can do with no constraint; the further the grammar's score falls below it per frame,
the less the audio sounds like a command. That gap, mapped to 0..1, is the confidence that
voiceguide.recognition compares with its thresholds. Barge-in uses pocketsphinx's keyphrase spotter.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.adapters.backends import Backend, Capabilities
from voiceguide.commands import GRAMMAR_FILLERS, base_language, grammar_phrases, grammar_words
from voiceguide.decoding import Hypothesis, Mode

if TYPE_CHECKING:
    import pocketsphinx

# The phone loop's language weight: low, so it is nearly the free acoustic best path.
PHONE_LM_WEIGHT = 1.0
# How far (pocketsphinx log units, whole utterance) the grammar may fall below the phone loop before
# the confidence reaches 0; commands spoken alone fall ~1800 below, sentences ~4800 (bench/).
GAP_AT_ZERO = 6000.0
# More acoustic candidates per frame than the default 4: espeak-like and distant voices need them.
TOP_N = 16
# Cepstral mean of speech through this model, measured on the development set. Each utterance starts
# from it: the model's default (40,3,-1) misreads the first words of a fresh stream, and a mean that
# adapts across utterances drifts with room noise (86 -> 99 of 120 commands right, bench/).
SPEECH_CMN = "49.3,-4.6,-3.8,14.4,-6.9,-6.2,-5.4,-8.1,1.6,-7.1,1.2,-4.5,-0.4"
FRAMES_PER_SECOND = 100  # pocketsphinx's feature frames
# Keyphrase thresholds for barge-in while the player speaks (its voice in the microphone): looser
# ones fire on the player's own sentences, stricter ones miss a "pause" said over them (bench/).
SPOTTED = {"pause": "1e-12", "stop": "1e-15", "it hurts": "1e-20"}
# Commands that wait for the player to finish, spotted as themselves so that, said over the player, they
# are not pressed into the nearest barge-in phrase ("next" spotted as "stop"). A decoy is never taken
# (the judge finds no barge-in command in it). bench/barge_in.py, other commands taken as a barge-in:
# 6 -> 2 and 5 -> 2 of 40; barge-in phrases taken: 42 -> 41 and 48 -> 47 of 80.
DECOYS = {"next": "1e-15", "repeat": "1e-15", "ready": "1e-15", "back": "1e-15", "skip": "1e-15"}


class MissingWords(ValueError):
    """Grammar words the pronunciation dictionary does not know."""


def _pronunciations(words: frozenset[str]) -> str:
    """The lines of pocketsphinx's English dictionary for `words`, alternate pronunciations included.

    Why not let each decoder load the whole dictionary (135,000 words): that takes it about 0.1 s with
    Python's lock held, so the speech output's callback cannot run, and the first sentence, playing
    while the recognizer loads, broke up in audible gaps (three underruns a start, measured). Read here
    in Python, other threads run in between; the decoders then load a few dozen words in milliseconds.
    """
    import pocketsphinx

    found: list[str] = []
    with open(pocketsphinx.get_model_path("en-us/cmudict-en-us.dict"), encoding="utf-8") as dictionary:
        for line in dictionary:
            if line.split("(", 1)[0].split(" ", 1)[0] in words:
                found.append(line)
    missing = words - {line.split("(", 1)[0].split(" ", 1)[0] for line in found}
    if missing:
        raise MissingWords(f"The English dictionary lacks: {', '.join(sorted(missing))}.")
    return "".join(found)


def _jsgf(language: str, numbers: bool) -> str:
    """One command (or number), an optional filler word before and after it: the only shapes we take."""
    fillers = GRAMMAR_FILLERS["en"]
    said = " | ".join(p for p in grammar_phrases(language, numbers) if p not in fillers.words)
    return (
        "#JSGF V1.0;\ngrammar voiceguide;\n"
        f"public <utterance> = [<before>] ({said}) [<after>];\n"
        f"<before> = {' | '.join(fillers.before)};\n<after> = {' | '.join(fillers.after)};\n"
    )


class SphinxEngine:
    """Three pocketsphinx decoders sharing one acoustic model on disk: grammar, phone loop, spotter."""

    name = "pocketsphinx"

    def __init__(self, language: str = "en") -> None:
        if base_language(language) != "en":
            raise ValueError(f"pocketsphinx here only has US English, not {language}.")
        import pocketsphinx

        self.language = "en"
        pocketsphinx.set_loglevel("FATAL")
        spotted = SPOTTED | DECOYS
        words = grammar_words("en", numbers=True) | {word for phrase in spotted for word in phrase.split()}
        with tempfile.TemporaryDirectory() as folder:
            dictionary = Path(folder) / "voiceguide.dict"
            dictionary.write_text(_pronunciations(words), encoding="utf-8")
            self._grammar = pocketsphinx.Decoder(loglevel="FATAL", lm=None, topn=TOP_N, dict=str(dictionary))
            self._grammar.add_jsgf_string(Mode.COMMANDS.value, _jsgf("en", numbers=False))
            self._grammar.add_jsgf_string(Mode.NUMBERS.value, _jsgf("en", numbers=True))
            phone_lm = pocketsphinx.get_model_path("en-us/en-us-phone.lm.bin")
            self._phones = pocketsphinx.Decoder(
                loglevel="FATAL", allphone=phone_lm, topn=TOP_N, lw=PHONE_LM_WEIGHT, dict=str(dictionary)
            )
            keyfile = Path(folder) / "barge-in.kws"
            keyfile.write_text("".join(f"{phrase} /{threshold}/\n" for phrase, threshold in spotted.items()))
            self._spotter = pocketsphinx.Decoder(
                loglevel="FATAL", kws=str(keyfile), topn=TOP_N, dict=str(dictionary)
            )
        self._logmath = self._grammar.get_logmath()

    def decode(self, mode: Mode) -> _SpotDecoding | _GrammarDecoding:
        if mode is Mode.SPOTTING:
            return _SpotDecoding(self._spotter)
        self._grammar.activate_search(mode.value)
        return _GrammarDecoding(self)

    def _score(self, decoder: pocketsphinx.Decoder) -> tuple[str, float] | None:
        hypothesis = decoder.hyp()
        if hypothesis is None or hypothesis.score <= 0.0:
            return None
        return hypothesis.hypstr, float(self._logmath.log(hypothesis.score))


class _GrammarDecoding:
    def __init__(self, engine: SphinxEngine) -> None:
        self._engine = engine
        for decoder in (engine._grammar, engine._phones):
            decoder.set_cmn(SPEECH_CMN)
            decoder.start_utt()

    def feed(self, pcm: bytes) -> None:
        self._engine._grammar.process_raw(pcm)
        self._engine._phones.process_raw(pcm)

    def finish(self) -> Hypothesis | None:
        engine = self._engine
        engine._grammar.end_utt()
        engine._phones.end_utt()
        grammar = engine._score(engine._grammar)
        phones = engine._score(engine._phones)
        if grammar is None or not grammar[0]:
            return None
        gap = phones[1] - grammar[1] if phones is not None else GAP_AT_ZERO
        spans = tuple(
            (segment.end_frame + 1 - segment.start_frame) / FRAMES_PER_SECOND
            for segment in engine._grammar.seg()
            if not segment.word.startswith(("<", "[", "+"))
        )
        return Hypothesis(grammar[0], min(1.0, max(0.0, 1.0 - gap / GAP_AT_ZERO)), spans)


class _SpotDecoding:
    def __init__(self, spotter: pocketsphinx.Decoder) -> None:
        self._spotter = spotter
        spotter.set_cmn(SPEECH_CMN)
        spotter.start_utt()

    def feed(self, pcm: bytes) -> Hypothesis | None:
        self._spotter.process_raw(pcm)
        hit = self._spotter.hyp()
        if hit is None or not hit.hypstr:
            return None
        self._spotter.end_utt()  # restart, so one phrase is reported once
        self._spotter.set_cmn(SPEECH_CMN)
        self._spotter.start_utt()
        return Hypothesis(hit.hypstr, 1.0)

    def finish(self) -> Hypothesis | None:
        self._spotter.end_utt()
        hit = self._spotter.hyp()
        return Hypothesis(hit.hypstr, 1.0) if hit is not None and hit.hypstr else None


BACKEND = Backend(
    name="pocketsphinx",
    packages=("pocketsphinx",),
    capabilities=Capabilities(grammar=True, spotting=True, streaming=True),
    load=lambda language, model: SphinxEngine(language),
    rank=20,
    built_in={"en": "English"},
)
