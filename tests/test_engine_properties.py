"""Properties of the engine under any sequence of commands, answers, speech ends, device notices and clock
ticks (Hypothesis): time never runs backwards, a paused routine says nothing new, every step entered
is logged exactly once, quitting needs its confirmation, and a session can always be ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from voiceguide.commands import Command
from voiceguide.engine import Engine, EngineOptions, IllegalEvent
from voiceguide.messages import (
    Cue,
    DeviceChange,
    DeviceNotice,
    Effect,
    Event,
    Finished,
    Heard,
    HeardNumber,
    Outcome,
    PartStarted,
    Phase,
    QuitConfirmed,
    Say,
    Silence,
    SpeechDone,
    Tick,
)
from voiceguide.plan import build_plan
from voiceguide.routine import load_routine
from voiceguide.steps import StepLedger
from voiceguide.wording import Line, wording

PARTS = build_plan(load_routine(Path(__file__).parent / "data" / "small.yaml"))
STILL_PAUSED = wording("en")(Line.STILL_PAUSED)

# Speech ends and ticks are what move a routine along, so they come most often.
actions = st.lists(
    st.one_of(
        st.tuples(st.just("done"), st.just(0)),
        st.tuples(st.just("tick"), st.floats(0.0, 12.0)),
        st.tuples(st.just("heard"), st.sampled_from(Command)),
        st.tuples(st.just("heard"), st.just(Command.READY)),
        st.tuples(st.just("done"), st.just(0)),
        st.tuples(st.just("tick"), st.floats(0.0, 12.0)),
        st.tuples(st.just("number"), st.integers(-1, 12)),
        st.tuples(st.just("device"), st.sampled_from(list(DeviceChange))),
        st.tuples(st.just("backwards"), st.floats(0.01, 5.0)),
    ),
    min_size=5,
    max_size=80,
)


@dataclass
class Run:
    """Drives an engine as the player would, with a speaker that finishes lines only when told to, and
    checks the invariants after every event."""

    engine: Engine
    now: float = 0.0
    speaking: list[int] = field(default_factory=list)
    ledger: StepLedger = field(default_factory=StepLedger)
    stays: list[int] = field(default_factory=list)
    steps_logged: list[int] = field(default_factory=list)
    outcome: Outcome | None = None
    quit_confirmed: bool = False
    closing: bool = False

    def start(self) -> None:
        self._carry_out(self.engine.start(self.now), None, None)

    def send(self, event: Event) -> None:
        pause_before = self.engine.pause
        effects = self.engine.handle(event)
        assert self.engine.now == event.now
        self._carry_out(effects, event, pause_before)

    def act(self, action: str, value: object) -> None:
        if self.outcome is not None:
            return
        if action == "heard":
            self.send(Heard(Command(value), self.now))
        elif action == "number":
            self.send(HeardNumber(int(value), self.now))
        elif action == "tick":
            deadline = self.engine.next_deadline()
            later = self.now + float(value)
            self.now = min(later, deadline) if deadline is not None and deadline > self.now else later
            self.send(Tick(self.now))
        elif action == "done" and self.speaking:
            self.send(SpeechDone(self.speaking.pop(0), self.now))
        elif action == "device":
            self.send(DeviceNotice(DeviceChange(value), self.now, name="default"))
        elif action == "backwards":
            before = (self.engine.phase, self.engine.index, self.engine.pause, self.engine.now)
            try:
                self.engine.handle(Heard(Command.NEXT, self.now - float(value)))
            except IllegalEvent:
                pass
            else:
                raise AssertionError("an event from the past was taken")
            assert (self.engine.phase, self.engine.index, self.engine.pause, self.engine.now) == before

    def end(self) -> None:
        """Whatever state the script left, quit and its confirmation end the session within a few events,
        however long its last words take."""
        for _ in range(10):
            if self.outcome is not None:
                return
            self.send(Heard(Command.QUIT, self.now))
            if self.outcome is None:
                self.send(Heard(Command.QUIT, self.now))
            if self.outcome is None:
                self.now += 60.0
                self.send(Tick(self.now))
            while self.speaking and self.outcome is None:
                self.send(SpeechDone(self.speaking.pop(0), self.now))
        raise AssertionError("the session could not be ended")

    def _carry_out(self, effects: list[Effect], event: Event | None, pause_before: object) -> None:
        paused_throughout = pause_before is not None and self.engine.pause is not None
        if self.closing and isinstance(event, Tick | SpeechDone | DeviceNotice):
            assert Silence() not in effects, "the last words were cut"
        self.closing = self.engine.phase is Phase.CLOSING
        for effect in effects:
            for record in self.ledger.observe(effect, self.now):
                self.steps_logged.append(record.step)
            match effect:
                case Say():
                    self.speaking.append(effect.utterance_id)
                    if paused_throughout and isinstance(event, Tick | SpeechDone):
                        assert effect.text == STILL_PAUSED, f"said {effect.text!r} while paused"
                case Silence():
                    self.speaking.clear()  # the speaker reports each dropped line done; the engine ignores those
                case Cue() if paused_throughout and isinstance(event, Tick | SpeechDone):
                    raise AssertionError(f"played {effect} while paused")
                case PartStarted(step=step):
                    if not self.stays or self.stays[-1] != step:
                        self.stays.append(step)
                    assert not paused_throughout, "a part started while paused"
                case QuitConfirmed():
                    assert isinstance(event, Heard) and event.command in (Command.QUIT, Command.YES)
                    assert pause_before is not None and pause_before.asking_quit
                    lapsed = pause_before.quit_until is not None and event.now >= pause_before.quit_until
                    assert not lapsed, "a lapsed quit question was taken as confirmed"
                    self.quit_confirmed = True
                case Finished():
                    assert effect.outcome is Outcome.FINISHED or self.quit_confirmed, "ended without confirmation"
                    self.outcome = effect.outcome


@settings(max_examples=300, deadline=None)
@given(script=actions, checkins=st.booleans(), listening=st.booleans())
def test_any_sequence_keeps_the_engine_s_invariants(script, checkins, listening):
    run = Run(Engine(PARTS, EngineOptions(checkins=checkins, listening=listening)))
    run.start()
    for action, value in script:
        run.act(action, value)
    run.end()
    assert run.steps_logged == run.stays, "each stay in a step gets exactly one step record, in order"
