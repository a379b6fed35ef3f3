"""The typed messages between the engine and the player: events in, effects out.

Times are seconds on the player's monotonic clock. Nothing here does anything; it only describes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntEnum, StrEnum
from typing import Any, ClassVar

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


class Phase(StrEnum):
    """Where the engine is within the current part (a pause is a sub-state on top, see PauseReason)."""

    OPENING = "opening"  # the part's opening is being said; its time starts after it
    RESUMING = "resuming"  # after a pause, where we were is being restated; the time left starts after it
    TIMING = "timing"  # the part's time is running (or stands still, when paused)
    WAITING = "waiting"  # waiting for "ready"
    CHECKIN = "checkin"  # waiting for a pain number (or "skip")
    CLOSING = "closing"  # the last words are being said
    FINISHED = "finished"


class PauseReason(StrEnum):
    PAUSE = "pause"
    STOP = "stop"
    QUIT = "quit"  # asked "do you want to end the session?"
    PAIN = "pain"  # "it hurts"


class Outcome(StrEnum):
    """How a session ended, as the history stores it."""

    FINISHED = "finished"
    QUIT = "quit"
    STOPPED_FOR_PAIN = "stopped_for_pain"
    INTERRUPTED = "interrupted"


class StepOutcome(StrEnum):
    DONE = "done"  # every part of the step ran to its end
    SKIPPED = "skipped"  # left for another step before that
    STOPPED = "stopped"  # the session ended during it


class PainPhase(StrEnum):
    BEFORE = "before"
    DURING = "during"
    AFTER = "after"


class Expect(StrEnum):
    """What the engine listens for from the person, so a recognizer can narrow its vocabulary."""

    COMMAND = "command"  # any command
    READY = "ready"  # any command; the routine waits for "ready"
    NUMBER = "number"  # a pain level from zero to ten, or a command
    NOTHING = "nothing"  # the session is over


# Events: what happens to the engine.


@dataclass(frozen=True)
class Tick:
    """Time has passed; the engine acts on whatever is due."""

    now: float


@dataclass(frozen=True)
class Heard:
    """A command arrived, spoken or typed. `text` is what was recognized and `by` what recognized it
    (spoken only), for the log."""

    command: Command
    now: float
    text: str = ""
    source: str = "keys"
    by: str = ""


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
    by: str = ""


class DeviceChange(StrEnum):
    """What happened to the sound output, the speech engine, the microphone or the recognizer. Adapters
    report only this; the engine words it in the routine's language (wording.py), like every other line."""

    SPEAKER_LOST = "speaker_lost"  # the sound output stopped; lines are text until it is back
    SPEAKER_BACK = "speaker_back"
    SPEECH_STUCK = "speech_stuck"  # the speech engine does not answer; lines are text meanwhile
    SPEECH_BACK = "speech_back"
    MICROPHONE_LOST = "microphone_lost"  # none works (any more); keys still work, and it is tried again
    MICROPHONE_BACK = "microphone_back"
    LISTENER_FAILED = "listener_failed"  # the recognizer could not start: keys only
    WORDS_UNKNOWN = "words_unknown"  # the speech model lacks some command words

    @property
    def device(self) -> str:
        """"speaker" or "microphone": the side of the session it concerns."""
        return "speaker" if self.name.startswith(("SPEAKER", "SPEECH")) else "microphone"

    @property
    def available(self) -> bool:
        return self not in (DeviceChange.SPEAKER_LOST, DeviceChange.SPEECH_STUCK, DeviceChange.MICROPHONE_LOST,
                            DeviceChange.LISTENER_FAILED)


@dataclass(frozen=True)
class DeviceNotice:
    """A device failed or came back. The engine says it, worded in the routine's language, under its
    priority rule, and knows whether a microphone listens (prompts then name the keys)."""

    change: DeviceChange
    now: float
    name: str = ""  # the device's name (or, for WORDS_UNKNOWN, the words), said in the notice
    detail: str = ""  # the cause, as the library gave it: for the event log, not said

    @property
    def device(self) -> str:
        return self.change.device

    @property
    def available(self) -> bool:
        return self.change.available


Event = Tick | Heard | HeardNumber | SpeechDone | DeviceNotice


@dataclass(frozen=True)
class SpeechStarted:
    """The first sample of this utterance was heard; for the player's event log, not the engine."""

    utterance_id: int
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
    by: str = ""


@dataclass(frozen=True)
class Listening:
    """The recognizer has loaded and hears the microphone: from now on commands are taken by voice. Only
    then does the person read "Listening"; for the screen and the event log, not the engine."""

    engine: str
    now: float


@dataclass(frozen=True)
class EchoDelayLearnt:
    """How late the player's own voice now comes back through the microphone, as the listener learnt it;
    only for the --events log, where it explains what the listener took for the player's echo."""

    seconds: float
    now: float


@dataclass(frozen=True)
class EchoAligned:
    """How late, to the sample, the player's own voice comes back, as the echo rules and the canceller now date
    it; only for the --events log, where it tells from when the player's voice was taken out of what was heard."""

    seconds: float
    now: float


# For the player's event log (and screen), not the engine.
Notice = SpeechStarted | NotTaken | Listening | EchoDelayLearnt | EchoAligned


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
class Listen:
    """From now on, listen for this (until the next Listen)."""

    expect: Expect


@dataclass(frozen=True)
class StateChanged:
    """The engine moved to another phase, part or pause; for the event log."""

    phase: Phase
    part: int
    paused: PauseReason | None


@dataclass(frozen=True)
class Finished:
    """The session is over."""

    outcome: Outcome


# Log records: facts for the event log and (unless `kept` is False) the history, each its own type.


@dataclass(frozen=True)
class Log:
    """A fact worth recording; `kind` names it in the event log and the history, `data` holds its fields."""

    kind: ClassVar[str]
    kept: ClassVar[bool] = True  # written to the history, not only to the event log

    @property
    def data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PartStarted(Log):
    kind = "part"
    step: int
    name: str
    label: str


@dataclass(frozen=True)
class PartCompleted(Log):
    """A part ran to its end (its time, its words, or a ready step read out); the step accounting uses it."""

    kind = "part_done"
    kept = False
    step: int
    last_of_step: bool


@dataclass(frozen=True)
class RoutineCompleted(Log):
    kind = "routine_done"
    kept = False


@dataclass(frozen=True)
class StepEnded(Log):
    """One step's record for the history; made by the step accounting (steps.py), not by the engine."""

    kind = "step"
    step: int
    name: str
    outcome: StepOutcome
    seconds: float


@dataclass(frozen=True)
class PauseBegan(Log):
    kind = "pause"
    reason: PauseReason


@dataclass(frozen=True)
class PauseEnded(Log):
    kind = "resume"
    paused_seconds: float


@dataclass(frozen=True)
class PainReported(Log):
    kind = "pain"
    phase: PainPhase
    level: int | None  # None: the question was skipped


@dataclass(frozen=True)
class CommandTaken(Log):
    kind = "command"
    command: Command
    source: str


@dataclass(frozen=True)
class QuitConfirmed(Log):
    kind = "quit"


Effect = Say | Silence | Cue | AdjustVoice | Listen | StateChanged | Log | Finished
