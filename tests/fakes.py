"""Stand-ins for the ports, named after what they do. The engine and player under them are real."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from voiceguide.adapters.pyttsx3_synthesizer import Pyttsx3Synthesizer
from voiceguide.adapters.silent_speaker import SilentSpeaker
from voiceguide.adapters.synthesis import Rendered, VoiceInfo
from voiceguide.commands import Command
from voiceguide.decoding import Hypothesis, Mode
from voiceguide.messages import Earcon, Heard, HeardNumber, Log, Outcome, Say, VoiceSetting
from voiceguide.simulation import FakeClock, SimulatedInbox


class RecordingSpeaker(SilentSpeaker):
    """Takes the estimated speaking time like text mode, and records what it was asked to do and when."""

    def __init__(self, clock: FakeClock, inbox: SimulatedInbox) -> None:
        super().__init__(clock, inbox)
        self.clock = clock
        self.lines: list[str] = []

    def say(self, utterance: Say) -> None:
        self.lines.append(f"{self.clock.now():7.2f} {utterance.text}")
        super().say(utterance)

    def cue(self, earcon: Earcon) -> None:
        self.lines.append(f"{self.clock.now():7.2f} <{earcon.value}>")

    def silence(self) -> None:
        self.lines.append(f"{self.clock.now():7.2f} <silence>")
        super().silence()

    def adjust(self, setting: VoiceSetting, steps: int) -> None:
        self.lines.append(f"{self.clock.now():7.2f} <{setting.value} {steps:+d}>")
        super().adjust(setting, steps)


def script_commands(inbox: SimulatedInbox, script: list[tuple[float, Command | int]]) -> None:
    """Schedules spoken commands (or pain numbers) at fixed times, as a person would say them."""
    for at, said in script:
        event = HeardNumber(said, at, source="voice") if isinstance(said, int) else Heard(said, at, source="voice")
        inbox.put_at(at, event)


@dataclass
class RecordingHistory:
    entries: list[Log] = field(default_factory=list)
    outcome: Outcome | None = None

    def record(self, entry: Log) -> None:
        self.entries.append(entry)

    def close(self, outcome: Outcome) -> None:
        self.outcome = outcome


@dataclass(frozen=True)
class AnyRecord(Log):
    """A log record of any kind and fields, as a later voiceguide might write: for tests of the storage."""

    name: str
    fields: dict[str, Any]

    @property  # type: ignore[override]
    def kind(self) -> str:
        return self.name

    @property
    def data(self) -> dict[str, Any]:
        return self.fields


class StuckSynthesizer:
    """Hangs on any text containing "stuck" until released, as a wedged engine would; renders the rest."""

    def __init__(self, release: threading.Event) -> None:
        self._real = Pyttsx3Synthesizer()
        self._release = release

    def voices(self) -> list[VoiceInfo]:
        return self._real.voices()

    def render(self, text: str, voice: str, rate: int) -> Rendered:
        if "stuck" in text:
            self._release.wait()
        if "broken" in text:
            raise RuntimeError("espeak-ng failed")
        return self._real.render(text, voice, rate)

    def close(self) -> None:
        self._real.close()


def _work(seconds: float) -> None:
    """Keep a CPU busy for `seconds` of wall time, as a synthesizer does that is slow but not stuck."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(1000))


class SlowSynthesizer(Pyttsx3Synthesizer):
    """espeak-ng on a machine so busy that starting takes `start` seconds and each rendering `render` more."""

    def __init__(self, start: float, render: float) -> None:
        _work(start)
        super().__init__()
        self._render_seconds = render

    def render(self, text: str, voice: str, rate: int) -> Rendered:
        _work(self._render_seconds)
        return super().render(text, voice, rate)


class ScriptedEngine:
    """A stand-in speech engine: the n-th utterance it is asked to decode reads as the n-th scripted reading.

    For testing the recognizer's judging rules without speech; it hears nothing while the player speaks.
    """

    name = "scripted"
    language = "en"

    def __init__(self, *readings: Hypothesis | None) -> None:
        self._readings = list(readings)
        self.decoded = 0

    def decode(self, mode: Mode) -> ScriptedDecoding:
        if mode is Mode.SPOTTING:
            return ScriptedDecoding(None)
        reading = self._readings[self.decoded] if self.decoded < len(self._readings) else None
        self.decoded += 1
        return ScriptedDecoding(reading)


class ScriptedDecoding:
    def __init__(self, reading: Hypothesis | None) -> None:
        self._reading = reading

    def feed(self, pcm: bytes) -> None:
        return None

    def finish(self) -> Hypothesis | None:
        return self._reading


class SilencingFrontEnd:
    """A front end that turns everything into silence: shows whether the recognizer listened through it."""

    def process(self, pcm: bytes) -> bytes:
        return bytes(len(pcm))
