"""Judging one utterance: whether what the engine read in it is a command, and if not, why not.

The rules apply in order, each with its named reason (what `--events` logs as `not_taken`). They see
only the engine's reading and what was measured of the utterance (`Heard`), never audio, so they are
read in one place and tested without speech; finding the utterances in the audio is
voiceguide.recognition's part.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from voiceguide.commands import (
    GRAMMAR_FILLERS,
    PHRASES,
    Command,
    base_language,
    match_number,
    match_phrase,
    normalize,
)
from voiceguide.decoding import BARGE_IN, Hypothesis, Tuning
from voiceguide.own_voice import OwnVoice


class Rejection(StrEnum):
    """Why an utterance is not a command; the value is what `--events` says (`not_taken`)."""

    TOO_LONG = "too long for a command"
    TOO_SHORT = "too short for a word"
    NOTHING_FITS = "nothing in the grammar fits"
    OUTSIDE_GRAMMAR = "words outside the grammar"
    NOT_A_COMMAND = "not a command"
    FOLLOWS_TALK = "part of longer talk"
    FILLERS_OVER_TALK = "filler words over talk"
    FILLER_TOO_LONG = "a filler word as long as other words"
    TOO_UNSURE = "too unsure"
    ECHO_ONLY = "only the player's echo"
    PLAYER_SAID_IT = "the player said it"
    PLAYER_SPEAKING = "the player was speaking"


# The grammar decoder's failures a second opinion is asked about: read too unsure, or as nothing it knows.
SECOND_OPINION_ON = frozenset(
    {
        Rejection.NOTHING_FITS,
        Rejection.OUTSIDE_GRAMMAR,
        Rejection.NOT_A_COMMAND,
        Rejection.FILLER_TOO_LONG,
        Rejection.TOO_UNSURE,
    }
)


@dataclass(frozen=True)
class Heard:
    """What was measured of one utterance, as the rules need it. Times are on the player's dating of its own
    output (OwnVoice), moved by how late its echo comes back, so they compare with what it said."""

    start: float  # its onset
    end: float  # its last loud frame
    speech_seconds: float
    too_long: bool = False  # it ran on past the longest command
    follows_talk: bool = False  # it began too soon after other talk to be a command
    over_talk: bool = False  # it began while talk in the room went on
    person_frames: int = 0  # loud frames louder than the player's echo explains
    voiced_frames: int = 0  # loud frames
    echo_cancelled: bool = False  # the decoders heard it with the player's echo taken out


@dataclass(frozen=True)
class Verdict:
    """What one reading of an utterance comes to; `rejected` says why it is not a command (None: taken)."""

    text: str
    command: Command | None
    number: int | None
    confidence: float
    rejected: Rejection | None


class Judge:
    """The rules, for one language, tuned by one engine's Tuning, aware of what the player itself said."""

    def __init__(self, language: str, tuning: Tuning, own_voice: OwnVoice) -> None:
        self.language = language
        self.tuning = tuning
        self.own_voice = own_voice
        self.numbers = False  # number words count too (a pain check-in)
        self._fillers = GRAMMAR_FILLERS.get(base_language(language))
        barge = PHRASES.get(language) or PHRASES[base_language(language)]
        self._barge_words = {c: frozenset(" ".join(barge.get(c, ())).split()) for c in BARGE_IN}

    def finished(self, reading: Hypothesis | None, heard: Heard) -> Verdict:
        """The whole utterance, decoded against the grammar once it ended (`reading` None: nothing fits)."""
        if heard.too_long:
            return Verdict("", None, None, 0.0, Rejection.TOO_LONG)
        shortest = self.tuning.talk_min_speech if heard.over_talk else self.tuning.min_speech
        if heard.speech_seconds < shortest:
            return Verdict("", None, None, 0.0, Rejection.TOO_SHORT)
        if reading is None:
            return Verdict("", None, None, 0.0, Rejection.NOTHING_FITS)
        return self.reading(reading, heard, spotted=False)

    def reading(self, hypothesis: Hypothesis, heard: Heard, spotted: bool) -> Verdict:
        """A grammar reading of the whole utterance, or a barge-in phrase `spotted` inside it."""
        text = normalize(hypothesis.text.replace("[unk]", " ")) if spotted else hypothesis.text
        words = normalize(text).split()
        confidence = hypothesis.confidence
        command = self._spotted_command(words) if spotted else match_phrase(text, self.language)
        number = match_number(text, self.language) if self.numbers and not spotted else None

        def verdict(rejected: Rejection | None) -> Verdict:
            return Verdict(text, command, number, confidence, rejected)

        if "[unk]" in hypothesis.text and not spotted:
            return Verdict(hypothesis.text, command, number, confidence, Rejection.OUTSIDE_GRAMMAR)
        if command is None and number is None:
            return Verdict(text, None, None, confidence, Rejection.NOT_A_COMMAND)
        if heard.follows_talk and not spotted:
            return verdict(Rejection.FOLLOWS_TALK)
        fillers = not spotted and self._fillers is not None and self._fillers.used(text)
        if fillers and heard.over_talk:
            return verdict(Rejection.FILLERS_OVER_TALK)
        if fillers and self._longest_filler(words, hypothesis.spans) >= self.tuning.longest_filler:
            return verdict(Rejection.FILLER_TOO_LONG)
        if confidence < (self.tuning.spot_threshold if spotted else self._needed(command, fillers)):
            return verdict(Rejection.TOO_UNSURE)
        if heard.person_frames < self.tuning.person_frames:
            return verdict(Rejection.ECHO_ONLY)
        # Mostly the player's echo with a little more: its words are not commands. Mostly louder than
        # the echo: a person answering the player's "say ready" the moment it ends.
        mostly_echo = 2 * heard.person_frames < heard.voiced_frames
        if mostly_echo and self.own_voice.said_any(set(words), heard.start, heard.end, self.tuning.echo_tail):
            return verdict(Rejection.PLAYER_SAID_IT)
        # Over the player's voice only what stops it counts, unless its echo was taken out and the words are
        # mostly a person's, a bare command read with high confidence ("next" over the introduction, which
        # says to say it). Filler words there let other speech in: "resume" over the pain advice was read
        # as "okay I'm done please" in a person run.
        player_audible = self._over_the_player(heard)
        heard_clearly = (
            heard.echo_cancelled
            and not mostly_echo
            and not fillers
            and confidence >= self.tuning.over_player_threshold
        )
        if player_audible and not spotted and command not in BARGE_IN and not heard_clearly:
            return verdict(Rejection.PLAYER_SPEAKING)
        return verdict(None)

    def asks_second_opinion(self, verdict: Verdict, heard: Heard) -> bool:
        """Whether a transcriber without a grammar should hear the utterance: the grammar decoder could not
        place it, and it was not said over the player (a transcript of both would name the player's words;
        a late echo of them is still caught by the rules its reading goes through)."""
        return verdict.rejected in SECOND_OPINION_ON and not self._over_the_player(heard)

    def _over_the_player(self, heard: Heard) -> bool:
        """Whether the player was audible while the utterance was said, beyond its first moment."""
        return self.own_voice.speaking(heard.start + self.tuning.answer_overlap, heard.end)

    def second_opinion(self, transcript: str, heard: Heard) -> Verdict:
        """A transcript of the utterance, judged by every rule a reading is: it counts when it names a
        command (the transcriber gives no score, so the certainty rules pass it)."""
        return self.reading(Hypothesis(normalize(transcript), 1.0), heard, spotted=False)

    def _longest_filler(self, words: list[str], spans: tuple[float, ...]) -> float:
        """How long the longest filler word in a grammar reading lasted (0 when the engine gave no timings)."""
        if self._fillers is None or len(spans) != len(words) or not words:
            return 0.0
        slots = ((0, self._fillers.before), (-1, self._fillers.after))
        return max((spans[at] for at, slot in slots if words[at] in slot), default=0.0)

    def _needed(self, command: Command | None, fillers: bool) -> float:
        needed = self.tuning.threshold if command is None else self.tuning.needed(command)
        return max(needed, self.tuning.filler_threshold) if fillers else needed

    def _spotted_command(self, words: list[str]) -> Command | None:
        said = set(words)
        return next((c for c, vocabulary in self._barge_words.items() if said & vocabulary), None)
