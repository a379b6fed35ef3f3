"""The typed messages between the engine and the player: events in, effects out.

Times are seconds on the player's monotonic clock. Nothing here does anything; it only describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from voiceguide.commands import Command


class Priority(IntEnum):
    """Who wins when two things want to speak; a lower value is more important."""

    URGENT = 0  # safety advice and answers to the user's own requests
    INSTRUCTION = 1  # what to do now, "switch sides", "release"
    TICK = 2  # countdown numbers, repetition counts, "halfway"


class Earcon(StrEnum):
    """Short generated sounds that carry meaning without words."""

    TICK = "tick"  # one of the last seconds of a hold
    HEARD = "heard"  # a command was taken
    SWITCH = "switch"  # change sides
    FINISH = "finish"  # the routine is complete


class VoiceSetting(StrEnum):
    RATE = "rate"
    VOLUME = "volume"


# Events: what happens to the engine.


@dataclass(frozen=True)
class Tick:
    """Time has passed; the engine acts on whatever is due."""

    now: float


@dataclass(frozen=True)
class Heard:
    """A command arrived, spoken or typed. `text` is what was recognized, for the log."""

    command: Command
    now: float
    text: str = ""
    source: str = "keys"


@dataclass(frozen=True)
class SpeechDone:
    """The speaker finished (or dropped) the utterance with this id."""

    utterance_id: int
    now: float


@dataclass(frozen=True)
class HeardNumber:
    """A number answered to a question (a pain check-in), spoken or typed."""

    value: int
    now: float
    text: str = ""
    source: str = "keys"


Event = Tick | Heard | HeardNumber | SpeechDone


@dataclass(frozen=True)
class SpeechStarted:
    """The first sample of this utterance was heard; for the player's event log, not the engine."""

    utterance_id: int
    now: float


@dataclass(frozen=True)
class DeviceNotice:
    """An audio device failed or came back; for the player, not the engine.

    `message` is one plain sentence for the user, e.g. "The microphone stopped; keys still work."
    """

    device: str  # "speaker" or "microphone"
    available: bool
    message: str
    now: float


@dataclass(frozen=True)
class NotTaken:
    """Speech the listener heard but did not take as a command, and why; only for the --events log,
    which is where "why didn't it hear me" gets answered."""

    text: str
    command: Command | None  # what it would have been
    confidence: float
    reason: str
    now: float


Notice = DeviceNotice | NotTaken  # for the player, not the engine


# Effects: what the engine asks the player to do.


@dataclass(frozen=True)
class Say:
    """Speak this after whatever is already playing (the engine cuts first with Silence when needed)."""

    utterance_id: int
    text: str
    priority: Priority


@dataclass(frozen=True)
class Silence:
    """Stop speaking at once and drop anything queued."""


@dataclass(frozen=True)
class Cue:
    earcon: Earcon


@dataclass(frozen=True)
class AdjustVoice:
    setting: VoiceSetting
    steps: int  # +1 faster/louder, -1 slower/quieter


@dataclass(frozen=True)
class Log:
    """Something worth recording in the history and the event log."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finished:
    """The session is over; `outcome` is finished, quit or stopped_for_pain."""

    outcome: str


Effect = Say | Silence | Cue | AdjustVoice | Log | Finished
