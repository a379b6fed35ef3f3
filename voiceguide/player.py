"""The player: the one loop. It owns the clock, feeds the engine, and carries out its effects.

It waits for whichever comes first, the engine's next deadline or the next event from the inbox
(a heard command, a finished utterance, a device notice), hands it to the engine and passes each
effect to the port that carries it out. Every utterance is also written as a plain text line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from voiceguide.console import Console
from voiceguide.engine import Engine
from voiceguide.event_log import EventLog
from voiceguide.messages import (
    AdjustVoice,
    Cue,
    DeviceNotice,
    Effect,
    Finished,
    Heard,
    HeardNumber,
    Log,
    NotTaken,
    Priority,
    Say,
    Silence,
    SpeechDone,
    SpeechStarted,
    Tick,
)
from voiceguide.ports import Clock, History, Inbox, Speaker


class Player:
    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        inbox: Inbox,
        speaker: Speaker,
        console: Console,
        history: History | None = None,
        events: EventLog | None = None,
        on_awaiting: Callable[[str | None], None] | None = None,
        on_speaking: Callable[[], None] | None = None,
    ) -> None:
        """`on_awaiting` hears what the engine waits for ("ready", "number" or None) whenever it changes;
        `on_speaking` is called once, when the first utterance is heard (or done, for a silent speaker),
        so slow work such as loading a speech model can wait until the person already hears something."""
        self.engine = engine
        self._clock = clock
        self._inbox = inbox
        self._speaker = speaker
        self._console = console
        self._history = history
        self._events = events
        self._on_awaiting = on_awaiting
        self._on_speaking = on_speaking
        self._awaiting: str | None = None
        self.outcome: str | None = None
        self._notices_said = 0
        self._logged_state: dict[str, object] = {}

    def run(self) -> str:
        """Play the routine to its end; returns how it ended (finished, quit, stopped_for_pain)."""
        self._carry_out(self.engine.start(self._clock.now()))
        while self.outcome is None:
            event = self._inbox.wait(self.engine.next_deadline())
            now = self._clock.now()
            if isinstance(event, DeviceNotice):
                self._device_notice(event, now)
                continue
            if isinstance(event, NotTaken):
                command = str(event.command) if event.command else None
                self._log(event.now, "not_taken", text=event.text, command=command,
                          confidence=event.confidence, reason=event.reason)
                continue
            if isinstance(event, SpeechStarted | SpeechDone) and self._on_speaking:
                self._on_speaking()
                self._on_speaking = None
            if isinstance(event, SpeechStarted):
                self._log(event.now, "speech_start", id=event.utterance_id)
                continue
            self._note_event(event, now)
            stamped = Tick(now) if event is None else dataclasses.replace(event, now=now)
            self._carry_out(self.engine.handle(stamped))
        return self.outcome

    def interrupted(self) -> None:
        """Ctrl-C or a signal: stop speaking and close the record as interrupted."""
        self._speaker.silence()
        self._log(self._clock.now(), "finished", outcome="interrupted")
        if self._history:
            self._history.close("interrupted")

    def _carry_out(self, effects: list[Effect]) -> None:
        now = self._clock.now()
        for effect in effects:
            match effect:
                case Say():
                    self._console.line(effect.text, now)
                    self._log(now, "say", id=effect.utterance_id, text=effect.text, priority=effect.priority.name)
                    self._speaker.say(effect)
                case Silence():
                    self._log(now, "silence")
                    self._speaker.silence()
                case Cue():
                    self._log(now, "cue", earcon=str(effect.earcon))
                    self._speaker.cue(effect.earcon)
                case AdjustVoice():
                    self._log(now, "voice", setting=str(effect.setting), steps=effect.steps)
                    self._speaker.adjust(effect.setting, effect.steps)
                case Log():
                    self._log(now, effect.kind, **effect.data)
                    if self._history:
                        self._history.record(effect)
                case Finished():
                    self._log(now, "finished", outcome=effect.outcome)
                    if self._history:
                        self._history.close(effect.outcome)
                    self.outcome = effect.outcome
        paused = str(self.engine.paused) if self.engine.paused else None
        state = {"phase": str(self.engine.phase), "part": self.engine.index, "paused": paused}
        if state != self._logged_state:
            self._logged_state = state
            self._log(now, "state", **state)
        if self.engine.awaiting != self._awaiting and self.outcome is None:
            self._awaiting = self.engine.awaiting
            if self._on_awaiting:
                self._on_awaiting(self._awaiting)

    def _note_event(self, event: object, now: float) -> None:
        match event:
            case Heard():
                self._log(now, "heard", command=str(event.command), text=event.text, source=event.source)
            case HeardNumber():
                self._log(now, "heard_number", value=event.value, text=event.text, source=event.source)
            case SpeechDone():
                self._log(now, "speech_done", id=event.utterance_id)

    def _device_notice(self, notice: DeviceNotice, now: float) -> None:
        """Shown and spoken: someone who cannot see the screen must hear that the microphone went away.

        Notices get negative utterance ids, which the engine does not know and so ignores when done.
        """
        self._console.line(notice.message, now)
        self._log(now, "device", device=notice.device, available=notice.available, message=notice.message)
        self._notices_said += 1
        self._speaker.say(Say(-self._notices_said, notice.message, Priority.INSTRUCTION))

    def _log(self, at: float, event: str, **fields: object) -> None:
        if self._events:
            self._events.write(at, event, **fields)
