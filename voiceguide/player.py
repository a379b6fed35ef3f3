"""The player: the one loop. It owns the clock, feeds the engine, and carries out its effects.

It waits for whichever comes first, the engine's next deadline or the next event from the inbox
(a heard command, a finished utterance, a device notice), hands it to the engine and passes each
effect to the port that carries it out. It decides nothing about the routine: what to say, when,
and what to listen for all come from the engine.

Every utterance is also written as a plain text line, when it is heard: at once when the speaker is
idle, else when the speaker reports that it started (or, for a line that never made a sound, when it
is reported done). A line cut before it started was never said and is not written.

Event times: each event keeps the time its adapter observed, and that time is what the event log
shows. The engine takes events in the order they arrive; one observed earlier than an event already
handled (threads race to the inbox) is handled at that later time, since the engine's time never
runs backwards.
"""

from __future__ import annotations

import dataclasses

from voiceguide.console import Console
from voiceguide.engine import Engine
from voiceguide.event_log import EventLog
from voiceguide.messages import (
    AdjustVoice,
    Cue,
    DeviceNotice,
    EchoAligned,
    EchoDelayLearnt,
    Effect,
    Event,
    Finished,
    Heard,
    HeardNumber,
    Listen,
    Listening,
    Log,
    NotTaken,
    Outcome,
    Say,
    Silence,
    SpeechDone,
    SpeechStarted,
    StateChanged,
    Tick,
)
from voiceguide.ports import Clock, History, Inbox, Listener, Speaker
from voiceguide.steps import StepLedger


class Player:
    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        inbox: Inbox,
        speaker: Speaker,
        console: Console,
        listener: Listener | None = None,
        history: History | None = None,
        events: EventLog | None = None,
    ) -> None:
        self.engine = engine
        self._clock = clock
        self._inbox = inbox
        self._speaker = speaker
        self._console = console
        self._listener = listener
        self._history = history
        self._events = events
        self._steps = StepLedger()
        self._speaking: set[int] = set()  # said, not yet reported done
        self._unwritten: dict[int, str] = {}  # queued behind other lines, not yet written
        self.outcome: Outcome | None = None

    def run(self) -> Outcome:
        """Play the routine to its end; returns how it ended."""
        start = self._clock.now()
        self._carry_out(self.engine.start(start), start)
        while self.outcome is None:
            event = self._inbox.wait(self.engine.next_deadline())
            if isinstance(event, NotTaken):
                command = str(event.command) if event.command else None
                self._log(event.now, "not_taken", text=event.text, command=command,
                          confidence=event.confidence, reason=event.reason, by=event.by)
            elif isinstance(event, EchoDelayLearnt):
                self._log(event.now, "echo_delay", seconds=round(event.seconds, 2))
            elif isinstance(event, EchoAligned):
                self._log(event.now, "echo_aligned", seconds=round(event.seconds, 4))
            elif isinstance(event, Listening):
                self._log(event.now, "listening", engine=event.engine)
                self._console.line(f"Listening now, with {event.engine}.", event.now)
            elif isinstance(event, SpeechStarted):
                self._log(event.now, "speech_start", id=event.utterance_id)
                self._write(event.utterance_id, event.now)
            else:
                self._handle(event if event is not None else Tick(self._clock.now()))
        return self.outcome

    def interrupted(self) -> None:
        """Ctrl-C or a signal: stop speaking and close the record as interrupted."""
        self._speaker.silence()
        self._log(self._clock.now(), "finished", outcome=Outcome.INTERRUPTED)
        if self._history:
            self._history.close(Outcome.INTERRUPTED)

    def _handle(self, event: Event) -> None:
        self._note_event(event)
        handled_at = max(event.now, self.engine.now)
        if handled_at != event.now:
            event = dataclasses.replace(event, now=handled_at)
        self._carry_out(self.engine.handle(event), handled_at)

    def _carry_out(self, effects: list[Effect], now: float) -> None:
        for effect in effects:
            for record in self._steps.observe(effect, now):
                self._record(record, now)
            match effect:
                case Say():
                    if self._speaking:
                        self._unwritten[effect.utterance_id] = effect.text
                    else:
                        self._console.line(effect.text, now)
                    self._speaking.add(effect.utterance_id)
                    self._log(now, "say", id=effect.utterance_id, text=effect.text, priority=effect.priority.name)
                    self._speaker.say(effect)
                case Silence():
                    self._log(now, "silence")
                    self._speaking.clear()
                    self._unwritten.clear()
                    self._speaker.silence()
                case Cue():
                    self._log(now, "cue", earcon=str(effect.earcon))
                    self._speaker.cue(effect.earcon)
                case AdjustVoice():
                    self._log(now, "voice", setting=str(effect.setting), steps=effect.steps)
                    self._speaker.adjust(effect.setting, effect.steps)
                case Listen():
                    self._log(now, "listen", expect=str(effect.expect))
                    if self._listener:
                        self._listener.expect(effect.expect)
                case StateChanged():
                    self._log(now, "state", phase=str(effect.phase), part=effect.part,
                              paused=str(effect.paused) if effect.paused else None)
                case Log():
                    self._record(effect, now)
                case Finished():
                    self._log(now, "finished", outcome=str(effect.outcome))
                    if self._history:
                        self._history.close(effect.outcome)
                    self.outcome = effect.outcome

    def _record(self, record: Log, now: float) -> None:
        self._log(now, record.kind, **record.data)
        if self._history and record.kept:
            self._history.record(record)

    def _note_event(self, event: Event) -> None:
        match event:
            case Heard():
                self._log(event.now, "heard", command=str(event.command), text=event.text, source=event.source,
                          by=event.by)
            case HeardNumber():
                self._log(event.now, "heard_number", value=event.value, text=event.text, source=event.source,
                          by=event.by)
            case SpeechDone():
                self._log(event.now, "speech_done", id=event.utterance_id)
                self._speaking.discard(event.utterance_id)
                self._write(event.utterance_id, event.now)
            case DeviceNotice():
                self._log(event.now, "device", device=event.device, available=event.available,
                          change=str(event.change), name=event.name, detail=event.detail)

    def _write(self, utterance_id: int, at: float) -> None:
        if (text := self._unwritten.pop(utterance_id, None)) is not None:
            self._console.line(text, at)

    def _log(self, at: float, event: str, **fields: object) -> None:
        if self._events:
            self._events.write(at, event, **fields)
