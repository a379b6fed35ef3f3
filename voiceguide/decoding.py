"""What the command recognizer asks of a speech engine, and the numbers that tune its decisions.

Kept apart from voiceguide.recognition (and free of numpy) so the backend registry and the engine
adapters can be read without loading any audio code: `voiceguide validate` and `--help` stay fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from voiceguide.commands import Command

SAMPLE_RATE = 16_000

# Commands that work while the player speaks: the ones that stop it, and the safety one.
BARGE_IN: frozenset[Command] = frozenset({Command.PAUSE, Command.STOP, Command.PAIN})


class Mode(StrEnum):
    """What an engine listens for in one utterance."""

    COMMANDS = "commands"
    NUMBERS = "numbers"  # commands plus the number words, during a pain check-in
    SPOTTING = "spotting"  # barge-in phrases anywhere inside other speech


@dataclass(frozen=True)
class Hypothesis:
    """An engine's reading of one utterance: its words ("[unk]" for unknown speech) and fit (0..1).

    `spans`: how long each word of `text` lasted (seconds), where the engine says so; empty otherwise."""

    text: str
    confidence: float
    spans: tuple[float, ...] = ()


class Decoding(Protocol):
    """One utterance being decoded; audio arrives in pieces as it is heard."""

    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Decode more audio; a spotting decoding returns a hypothesis as soon as it hears a phrase."""
        ...

    def finish(self) -> Hypothesis | None:
        """The utterance is over: the best reading of all of it, or None when nothing fits."""
        ...


class Engine(Protocol):
    """A speech engine loaded with one language's grammars."""

    name: str
    language: str

    def decode(self, mode: Mode) -> Decoding:
        """Start decoding one utterance (one decoding per mode at a time)."""
        ...


class FrontEnd(Protocol):
    """Cleans microphone audio before the recognizer hears it (noise suppression); keeps its own state."""

    def process(self, pcm: bytes) -> bytes:
        """The same length of 16 kHz mono int16 audio, cleaned (whole 10 ms pieces in, whole out)."""
        ...


class EchoCanceller(Protocol):
    """Subtracts the player's own output from what the microphone heard; keeps its own state (an echo
    path learnt over the frames it was given, in order)."""

    def process(self, heard: bytes, played: bytes) -> bytes:
        """One frame of 16 kHz mono int16 audio with the echo of `played` (the output as it was audible
        over the same moment, same length and format) taken out."""
        ...

    def reset(self) -> None:
        """Forget the echo path learnt: the output it is given moved against the microphone, and a filter
        half-learnt for the old alignment learns the new one more slowly than an empty one."""
        ...


class SecondOpinion(Protocol):
    """A transcriber without a grammar, asked about an utterance the grammar decoder could not place."""

    name: str

    def transcribe(self, pcm: bytes) -> str:
        """The words of one whole utterance of 16 kHz mono int16 audio."""
        ...


@dataclass(frozen=True)
class Tuning:
    """The numbers behind the decisions, measured with bench/recognition.py."""

    on_db: float = 10.0  # a frame this far above the background level is speech
    off_db: float = 6.0  # an utterance ends after `hangover` frames below floor + off_db
    onset_frames: int = 3  # speech frames among the last 5 that start an utterance
    hangover: float = 0.24  # seconds of quiet that end an utterance
    preroll: float = 0.3  # audio kept from before the onset, so the first sound is decoded
    min_speech: float = 0.15  # shorter bursts are clicks and knocks
    talk_gap: float = 0.45  # a command is said after a pause; speech closer to other speech is talk
    max_speech: float = 1.8  # longer speech is conversation, never a command (bench: 99% of commands)
    threshold: float = 0.6  # least engine confidence to accept a command (bench --sweep)
    # Per-command overrides: a wrong pause or stop costs a word to resume; a missed one can hurt.
    thresholds: Mapping[Command, float] = field(
        default_factory=lambda: {Command.PAUSE: 0.5, Command.STOP: 0.5, Command.PAIN: 0.5}
    )
    # A reading that fills a filler slot needs more: the slots soak up the ends of other sentences
    # ("...the movie for a minute" read as "pause now"; bench: sentences taken 17% -> 9%).
    filler_threshold: float = 0.7
    # A filler word that lasts this long (seconds) has soaked up other words: "hold on I am on the phone"
    # read as "hold on now", its "now" 0.8 s long (bench: 99% of fillers in commands are shorter).
    longest_filler: float = 0.7
    spot_threshold: float = 0.5
    over_player_threshold: float = 0.9  # least confidence for a command that is not a barge-in over the player
    # A person answering "say ready" the moment it ends may begin while its last sound is dying away, and
    # the microphone's dating of them differs from the player's by tens of milliseconds: an utterance
    # begun this shortly before the player fell silent was not said over it (e2e: "ready" begun 2 ms
    # before the player's dated end was refused as said over it).
    answer_overlap: float = 0.15
    spot_window: float = 0.1  # a spotted phrase counts only if the player was audible this shortly before it
    echo_tail: float = 0.6  # seconds after the player stops during which its words still echo
    echo_lag: float = 0.25  # how much earlier than its learnt delay a block may be echoing
    longest_echo_delay: float = 3.0  # the latest the echo is looked for (a loaded server: 2 s seen)
    echo_margin_db: float = 6.0  # a frame this far above the expected echo has a person in it
    echo_going_db: float = 0.0  # an utterance over the player's voice goes on while frames are this far above its echo
    person_frames: int = 3  # such frames a command needs (a command word is ten or more frames)
    # The decoders hear the echo canceller's output once it takes this much (dB) out of the echo alone:
    # not yet learnt, or the echo later than it reaches, it passes the player's voice on altered
    # (bench/self_triggers.py, echo 1 and 2 s late: "it hurts" taken once each without this rule). At 3 dB,
    # in its first seconds, "next" said over the player became a barge-in 7 of 40 times (bench/barge_in.py
    # at 2 s; 3 at 6 dB, 2 with no canceller) and a busy CI run heard "stop" in the player's "skip".
    echo_removed_db: float = 6.0
    # The front end cleans the audio only while the room's own sound is above this (dBFS): in a quiet
    # room it costs accuracy, in fan or traffic noise it gains much (bench: quiet rooms measure -65 to
    # -48 dBFS, pink noise at 20 dB below speech -53 to -33). None: never.
    suppress_noise_above_db: float | None = -50.0
    suppress_hysteresis_db: float = 4.0  # it stops only once the room is this much quieter again
    # Talk in the room (radio, television, others across it): the level most of the last seconds of
    # room sound stay under. While that is speech-loud, a command must stand above it, and falling back
    # to it ends the command, so a command needs no quiet moment before it (bench/).
    talk_window: float = 3.0
    talk_percentile: float = 75.0
    talk_on_db: float = 6.0  # a frame this far above the talk is the person's
    talk_off_db: float = 3.0  # an utterance over talk ends after `hangover` frames below talk + this
    talk_min_speech: float = 0.3  # over talk, shorter bursts are its own loud syllables
    # Talk is learnt only this long after the player last spoke: a loaded server delayed its echo by up to
    # 2 s (the e2e rig), and that echo taken for talk raised the bar a person's "ready" had to clear.
    talk_after_player: float = 3.0

    def needed(self, command: Command) -> float:
        return self.thresholds.get(command, self.threshold)
