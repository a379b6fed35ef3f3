"""The routine engine: every decision about what happens next lives here.

It is a pure state machine. Events come in (time passed, a command was heard, a number was
answered, speech finished, a device failed or came back); effects go out (say this, cut speech,
play a cue, listen for this, log, finished). It imports no clock, thread, audio or speech library:
the player owns those, feeds it times and carries the effects out.

State: a `Phase` within the current part (the phases and the moves between them are in `TRANSITIONS`,
checked on every move), plus an optional `Pause` on top: pausing never changes the phase, it only stops
the part's time. Events are dispatched in `handle`, commands through one table, `_HANDLERS`: this
module is the transitions, and the rest is in small pure helpers, each with its own tests:

- part_timer.py: a part's time (deadline-based, so a pause keeps exactly the time left) and its countdown;
- pausing.py: the pause sub-state and the quit question's confirmation window;
- checkin.py: the pain question, its answers and what is said back;
- route.py: where the introduction, "skip" and "back" lead;
- answers.py: status, restatements, the instruction again, the safety notes;
- utterances.py: who may speak over whom, for every utterance, device notices included;
- steps.py (used by the player): the step records for the history, a projection over the effects.

Illegal events (time going backwards, anything after the end) raise and leave the state unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from voiceguide import answers, checkin, route
from voiceguide.commands import Command
from voiceguide.messages import (
    AdjustVoice,
    CommandTaken,
    Cue,
    DeviceNotice,
    Earcon,
    Effect,
    Event,
    Expect,
    Finished,
    Heard,
    HeardNumber,
    Listen,
    Outcome,
    PainPhase,
    PainReported,
    PartCompleted,
    PartStarted,
    PauseBegan,
    PauseEnded,
    PauseReason,
    Phase,
    Priority,
    QuitConfirmed,
    RoutineCompleted,
    SpeechDone,
    StateChanged,
    VoiceSetting,
)
from voiceguide.part_timer import PartTimer
from voiceguide.pausing import Pause
from voiceguide.plan import INTRO_STEP, Part, PartKind
from voiceguide.routine import Routine
from voiceguide.utterances import Utterances
from voiceguide.wording import Line, wording

MICROPHONE = "microphone"

TRANSITIONS: Mapping[Phase, frozenset[Phase]] = MappingProxyType({
    # OPENING ends in the part's time, a wait for "ready", a pain question; any move opens another part.
    Phase.OPENING: frozenset({Phase.OPENING, Phase.TIMING, Phase.WAITING, Phase.CHECKIN, Phase.CLOSING}),
    Phase.RESUMING: frozenset({Phase.OPENING, Phase.TIMING, Phase.CHECKIN, Phase.CLOSING}),
    Phase.TIMING: frozenset({Phase.OPENING, Phase.RESUMING, Phase.CHECKIN, Phase.CLOSING}),
    Phase.WAITING: frozenset({Phase.OPENING, Phase.CHECKIN, Phase.CLOSING}),
    # The "before" answer leads straight into a first ready step when there is one.
    Phase.CHECKIN: frozenset({Phase.OPENING, Phase.WAITING, Phase.CLOSING}),
    Phase.CLOSING: frozenset({Phase.FINISHED}),
    Phase.FINISHED: frozenset(),
})  # fmt: skip


@dataclass(frozen=True)
class EngineOptions:
    brief: bool = False
    checkins: bool = True
    pain_limit: int = 5
    start_part: int = 0  # for --resume: the part to open after "ready"
    language: str = "en"  # of the engine's own sentences (the parts come worded by the plan)
    listening: bool = True  # a microphone listens; without one, every "say ready" also names the Enter key
    safety: tuple[str, ...] = ()  # the routine's safety notes, read out on "safety"


def engine_options(routine: Routine, **choices: Any) -> EngineOptions:
    """The options a routine brings (its language, pain limit and safety notes) with the person's choices."""
    return EngineOptions(language=routine.language, pain_limit=routine.pain_limit, safety=tuple(routine.safety),
                         **choices)


class IllegalEvent(Exception):
    """An event that cannot happen in the engine's current state."""


_PLAIN_PAUSES = frozenset({PauseReason.PAUSE, PauseReason.STOP})  # no question waits for an answer


class Engine:
    """The routine's state machine. Feed it events in time order; carry out the effects it returns."""

    def __init__(self, parts: Sequence[Part], options: EngineOptions = EngineOptions()) -> None:
        if not parts:
            raise ValueError("a routine needs at least one part")
        self.parts = tuple(parts)
        self.options = options
        self._words = wording(options.language)
        self._out: list[Effect] = []
        self._speech = Utterances(self._out)
        self._started = False
        self._now = float("-inf")
        self._index = 0
        self._phase = Phase.OPENING
        self._paused: Pause | None = None
        self._timer = PartTimer(self.parts[0])
        self._checkin: PainPhase | None = None  # the pain question being asked
        self._asked_before = False
        self._closing_outcome = Outcome.FINISHED
        self._listening = options.listening
        self._last_command: Command | None = None
        self._reported: tuple[StateChanged, Expect] | None = None

    # ----- the public interface -------------------------------------------------------------

    # Read-only views of the state (the tests look at them; the player needs none).

    @property
    def now(self) -> float:
        return self._now

    @property
    def index(self) -> int:
        """The current part."""
        return self._index

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def pause(self) -> Pause | None:
        return self._paused

    @property
    def part(self) -> Part:
        return self.parts[self._index]

    def start(self, now: float) -> list[Effect]:
        if self._started:
            raise IllegalEvent("the routine has already started")
        self._started = True
        self._now = now
        self._open_part(0)
        return self._flush()

    def handle(self, event: Event) -> list[Effect]:
        """Apply one event; returns the effects to carry out, in order."""
        if not self._started:
            raise IllegalEvent("start() the engine before sending events")
        if self._phase is Phase.FINISHED:
            raise IllegalEvent(f"the routine has finished; {type(event).__name__} cannot be handled")
        if event.now < self._now:
            raise IllegalEvent(f"time went backwards: {event.now} after {self._now}")
        self._now = event.now
        match event:
            case SpeechDone():
                if self._paused:
                    self._paused = self._paused.heard(event.utterance_id, self._now)
                if self._speech.done(event.utterance_id):
                    self._gate_passed()
            case Heard():
                self._heard(event.command, event.source)
            case HeardNumber():
                self._number(event)
            case DeviceNotice():
                self._device(event)
        self._tick()
        return self._flush()

    def next_deadline(self) -> float | None:
        """When the engine next needs a Tick, if nothing else happens first."""
        if self._paused:
            return self._paused.quit_until
        return self._timer.next_deadline()

    # ----- moving between phases -------------------------------------------------------------

    def _enter(self, phase: Phase) -> None:
        if phase is not self._phase and phase not in TRANSITIONS[self._phase]:
            raise AssertionError(f"no transition from {self._phase} to {phase}")
        self._phase = phase

    def _gate_passed(self) -> None:
        """The utterance that holds the phase has been heard."""
        if self._phase is Phase.CLOSING:
            self._finish()
        elif self._phase in (Phase.OPENING, Phase.RESUMING) and not self._paused:
            self._opening_said()

    def _opening_said(self) -> None:
        part = self.part
        if part.kind is PartKind.TIMED:
            self._start_time()
        elif part.kind is PartKind.SAY:
            self._part_completed()
        elif self._before_checkin_due():
            self._asked_before = True
            self._ask_pain(PainPhase.BEFORE)
        elif part.step == INTRO_STEP and self._leads_into_ready():
            self._move_to(self._first_part())
        else:
            if part.step == INTRO_STEP:
                self._say(self._ready_prompt(), Priority.INSTRUCTION)
            else:
                self._out.append(PartCompleted(part.step, self._last_of_step()))  # a ready step, read out
            self._enter(Phase.WAITING)

    def _start_time(self) -> None:
        self._enter(Phase.TIMING)
        self._timer.start(self._now)
        self._say(self.part.go, Priority.INSTRUCTION)

    def _tick(self) -> None:
        if self._paused:
            if self._paused.lapsed(self._now):
                self._paused = self._paused.without_question()
                self._say(self._words(Line.STILL_PAUSED), Priority.URGENT)
            return
        due, over = self._timer.due(self._now)
        for item in due:
            if item.earcon:
                self._out.append(Cue(item.earcon))
            self._say(item.text, item.priority)
        if over:
            self._part_completed()

    def _first_part(self) -> int:
        return route.first_part(self.parts, self.options.start_part)

    def _leads_into_ready(self) -> bool:
        return route.leads_into_ready(self.parts, self.options.start_part)

    def _last_of_step(self) -> bool:
        return route.last_of_step(self.parts, self._index)

    def _part_completed(self) -> None:
        part = self.part
        if part.step != INTRO_STEP:
            self._out.append(PartCompleted(part.step, self._last_of_step()))
        if part.closing:
            self._say(part.closing, Priority.INSTRUCTION)
        if part.closing_earcon:
            self._out.append(Cue(part.closing_earcon))
        self._move_to(self._index + 1)

    def _move_to(self, index: int) -> None:
        if index >= len(self.parts):
            self._end_routine()
        else:
            self._open_part(max(index, 0))

    def _open_part(self, index: int) -> None:
        self._index = index
        part = self.part
        self._enter(Phase.OPENING)
        self._timer = PartTimer(part)
        if part.step != INTRO_STEP:
            self._out.append(PartStarted(part.step, part.exercise, part.label))
        opening = part.opening_brief if self.options.brief else part.opening
        if part.kind is PartKind.READY and part.step != INTRO_STEP and not self._listening:
            opening = f"{opening} {self._words(Line.PRESS_ENTER)}"
        self._say(opening, Priority.INSTRUCTION, gate=True)

    def _end_routine(self) -> None:
        self._index = len(self.parts) - 1
        self._timer.stop(self._now)
        self._out.append(RoutineCompleted())
        self._out.append(Cue(Earcon.FINISH))
        # A routine that ends with its own closing words has said goodbye; the engine's are for the others.
        done = "" if self.parts[-1].kind is PartKind.SAY else self._words(Line.ROUTINE_DONE)
        if self.options.checkins:
            self._ask_pain(PainPhase.AFTER, before=done)
        elif done:
            self._close(done, Outcome.FINISHED, Priority.INSTRUCTION)  # after "Release."
        else:
            self._closing_outcome = Outcome.FINISHED
            self._enter(Phase.CLOSING)
            self._finish()

    def _close(self, words: str, outcome: Outcome, priority: Priority = Priority.URGENT) -> None:
        """The last words; nothing may cut them but pause or stop, which end the session at once."""
        self._closing_outcome = outcome
        self._timer.stop(self._now)
        if self._paused:
            self._paused = self._paused.without_question()
        self._enter(Phase.CLOSING)
        self._say(words, priority, gate=True)

    def _finish(self) -> None:
        self._enter(Phase.FINISHED)
        self._out.append(Finished(self._closing_outcome))

    # ----- speech ----------------------------------------------------------------------------

    def _say(self, text: str, priority: Priority, *, gate: bool = False) -> None:
        self._speech.say(text, priority, gate=gate)

    def _ready_prompt(self) -> str:
        return self._words(Line.READY_PROMPT if self._listening else Line.READY_PROMPT_KEYS)

    def _restatement(self) -> str:
        return answers.restatement(self._words, self.part, self._timer, self._now)

    def _reply(self, words: str) -> None:
        """Answer the user at once; an interrupted opening is restated after the answer."""
        self._say(words, Priority.URGENT)
        if not self._paused and self._phase in (Phase.OPENING, Phase.RESUMING):
            self._say(self._restatement(), Priority.INSTRUCTION, gate=True)

    def _device(self, notice: DeviceNotice) -> None:
        if notice.device == MICROPHONE:
            self._listening = notice.available
        self._say(self._words(Line(notice.change.value), name=notice.name), Priority.INSTRUCTION)

    # ----- pausing ---------------------------------------------------------------------------

    def _pause(self, reason: PauseReason, words: str, **details: object) -> None:
        if self._paused is not None and self._paused.reason is reason and reason in _PLAIN_PAUSES:
            # Already paused so, and said so: the heard cue answers. Saying "Paused" again let a loud
            # speaker's echo of it, heard as "pause", make the player repeat itself for ever.
            return
        if self._paused is None:
            self._timer.stop(self._now)
            self._paused = Pause(reason, self._now)
            self._out.append(PauseBegan(reason))
        self._paused = dataclasses.replace(self._paused, reason=reason, **details)
        self._say(words, Priority.URGENT)

    def _unpause(self) -> None:
        if self._paused is None:
            return
        self._out.append(PauseEnded(round(self._now - self._paused.since, 1)))
        self._paused = None

    def _resume(self) -> None:
        if self._paused is None:
            return
        self._unpause()
        words = self._words
        if self._phase in (Phase.TIMING, Phase.OPENING, Phase.RESUMING):
            if self._phase is Phase.TIMING:
                self._enter(Phase.RESUMING)
            self._say(words(Line.RESUMING, what=self._restatement()), Priority.URGENT, gate=True)
        elif self._phase is Phase.CHECKIN:
            self._say(words(Line.PAIN_QUESTION), Priority.URGENT)
        else:
            self._say(words(Line.RESUMING, what=self._ready_prompt()), Priority.URGENT)

    # ----- commands -----------------------------------------------------------------------------

    def _heard(self, command: Command, source: str) -> None:
        self._out.append(CommandTaken(command, source))
        if self._phase is Phase.CLOSING:
            if command in (Command.PAUSE, Command.STOP):
                self._speech.silence()  # the last words are cut, and that is the end
                self._finish()
            return
        if self._paused and self._paused.level_wanted and command is not Command.PAIN:
            self._pain_level(None)
        self._HANDLERS[command](self)
        self._last_command = command
        self._out.append(Cue(Earcon.HEARD))

    def _go(self, index: int) -> None:
        self._unpause()
        self._speech.silence()
        self._move_to(index)

    def _move_on(self, target: int) -> None:
        """ "next" or "skip": a pain question is answered with nothing, the introduction leads to it."""
        if self._phase is Phase.CHECKIN:
            self._answer_pain(None)
        elif self._before_checkin_due():
            self._skip_to_checkin()
        else:
            self._go(target)

    def _before_checkin_due(self) -> bool:
        """Still in the introduction, with the "before" pain question not yet asked."""
        return self.part.step == INTRO_STEP and self.options.checkins and not self._asked_before

    def _skip_to_checkin(self) -> None:
        """Leaving out the introduction's words still asks the pain question: the session's record and
        the pain limit both need the "before" answer (which can itself be skipped)."""
        self._unpause()
        self._speech.silence()
        self._opening_said()

    def _back(self) -> None:
        if self._phase is not Phase.CHECKIN:
            self._go(route.back(self.parts, self._index))

    def _repeat(self) -> None:
        part, words = self.part, self._words
        if self._paused or self._phase is Phase.TIMING:
            self._say(part.full_text, Priority.URGENT)
        elif self._phase is Phase.CHECKIN:
            self._say(words(Line.PAIN_QUESTION), Priority.URGENT)
        elif self._phase is Phase.WAITING:
            prompt = f" {self._ready_prompt()}" if part.step == INTRO_STEP else ""
            self._say(f"{part.full_text}{prompt}", Priority.URGENT)
        else:
            self._say(answers.instruction_again(words, part, self._timer, self._now), Priority.URGENT, gate=True)

    def _quit(self) -> None:
        if self._paused and self._paused.asking_quit:
            self._confirm_quit()
        else:
            self._pause(PauseReason.QUIT, self._words(Line.QUIT_QUESTION))
            assert self._paused is not None
            self._paused = self._paused.asking(self._speech.last_id)

    def _yes(self) -> None:
        if self._paused and self._paused.asking_quit:
            self._confirm_quit()
        elif self._phase is Phase.WAITING and not self._paused:
            self._ready()

    def _confirm_quit(self) -> None:
        assert self._paused is not None
        self._out.append(QuitConfirmed())
        outcome = Outcome.STOPPED_FOR_PAIN if self._paused.pain else Outcome.QUIT
        self._close(self._words(Line.ENDING), outcome)

    def _time(self) -> None:
        timed = self._phase in (Phase.OPENING, Phase.RESUMING, Phase.TIMING)
        self._reply(answers.status(self._words, self.parts, self._index, self._timer.left(self._now),
                                   timed=timed, paused=self._paused is not None))

    def _adjust(self, setting: VoiceSetting, steps: int, line: Line) -> None:
        self._out.append(AdjustVoice(setting, steps))
        self._say(self._words(line), Priority.INSTRUCTION)

    def _ready(self) -> None:
        """Starts what waits for the person; said while a ready-step is still being read out, it starts too."""
        if self._paused:
            self._resume()
        elif self._before_checkin_due():
            self._skip_to_checkin()
        elif self._phase is Phase.CHECKIN:  # Enter at the pain question: say how to answer, never skip it unheard
            self._say(self._words(Line.PAIN_ANSWER_HINT), Priority.URGENT)
        elif self._phase is Phase.WAITING or (self._phase is Phase.OPENING and self.part.kind is PartKind.READY):
            if self._phase is Phase.OPENING and self.part.step != INTRO_STEP:
                self._out.append(PartCompleted(self.part.step, self._last_of_step()))
            self._go(self._first_part() if self.part.step == INTRO_STEP else self._index + 1)

    def _pain(self) -> None:
        self._pause(PauseReason.PAIN, checkin.question(self._words, PainPhase.DURING), pain=True, level_wanted=True)

    # ----- pain check-ins ----------------------------------------------------------------------

    def _ask_pain(self, when: PainPhase, before: str = "") -> None:
        self._checkin = when
        self._enter(Phase.CHECKIN)
        self._say(f"{before} {checkin.question(self._words, when)}".strip(), Priority.INSTRUCTION)

    def _number(self, event: HeardNumber) -> None:
        wanted = self._paused.level_wanted if self._paused else self._phase is Phase.CHECKIN
        if not wanted:
            return
        if event.value not in checkin.LEVELS:
            self._say(self._words(Line.NUMBER_RANGE), Priority.URGENT)
            return
        self._out.append(Cue(Earcon.HEARD))
        if self._paused:
            self._pain_level(event.value)
        else:
            self._answer_pain(event.value)

    def _pain_level(self, level: int | None) -> None:
        """The answer to "how bad is it?" after "it hurts" (None: a command came instead)."""
        assert self._paused is not None
        self._paused = dataclasses.replace(self._paused, level_wanted=False)
        self._out.append(PainReported(PainPhase.DURING, level))
        self._say(checkin.during_reply(self._words, level), Priority.URGENT)

    def _answer_pain(self, level: int | None) -> None:
        when, self._checkin = self._checkin, None
        assert when is not None
        self._out.append(PainReported(when, level))
        reply = checkin.reply(self._words, when, level, limit=self.options.pain_limit, listening=self._listening,
                              ready_prompt=self._ready_prompt(), ready_step_follows=self._leads_into_ready())
        if reply.then is checkin.Then.CLOSE:
            self._close(reply.words, Outcome.FINISHED)
        elif reply.then is checkin.Then.START:
            self._say(reply.words, Priority.INSTRUCTION)
            self._move_to(self._first_part())
        else:
            self._enter(Phase.WAITING)
            self._say(reply.words, Priority.INSTRUCTION)

    _HANDLERS: ClassVar[dict[Command, Callable[[Engine], None]]] = {
        Command.NEXT: lambda self: self._move_on(self._index + 1),
        Command.SKIP: lambda self: self._move_on(route.next_step(self.parts, self._index)),
        Command.BACK: _back,
        Command.PAUSE: lambda self: self._pause(PauseReason.PAUSE, self._words(Line.PAUSED)),
        Command.STOP: lambda self: self._pause(PauseReason.STOP, self._words(Line.STOPPED)),
        Command.RESUME: _resume,
        Command.REPEAT: _repeat,
        Command.QUIT: _quit,
        Command.YES: _yes,
        Command.HELP: lambda self: self._reply(
            self._words(Line.HELP_MORE if self._last_command is Command.HELP else Line.HELP)),  # again: the rest
        Command.TIME: _time,
        Command.SAFETY: lambda self: self._reply(answers.safety(self._words, self.options.safety)),
        Command.SLOWER: lambda self: self._adjust(VoiceSetting.RATE, -1, Line.SLOWER),
        Command.FASTER: lambda self: self._adjust(VoiceSetting.RATE, +1, Line.FASTER),
        Command.LOUDER: lambda self: self._adjust(VoiceSetting.VOLUME, +1, Line.LOUDER),
        Command.QUIETER: lambda self: self._adjust(VoiceSetting.VOLUME, -1, Line.QUIETER),
        Command.READY: _ready,
        Command.PAIN: _pain,
    }

    # ----- what the player learns after each event ---------------------------------------------

    def _expect(self) -> Expect:
        if self._phase in (Phase.CLOSING, Phase.FINISHED):
            return Expect.NOTHING
        if self._paused:
            return Expect.NUMBER if self._paused.level_wanted else Expect.COMMAND
        return {Phase.WAITING: Expect.READY, Phase.CHECKIN: Expect.NUMBER}.get(self._phase, Expect.COMMAND)

    def _flush(self) -> list[Effect]:
        state = StateChanged(self._phase, self._index, self._paused.reason if self._paused else None)
        expect = self._expect()
        if self._reported is None or state != self._reported[0]:
            self._out.append(state)
        if self._reported is None or expect != self._reported[1]:
            self._out.append(Listen(expect))
        self._reported = (state, expect)
        out = self._out[:]
        self._out.clear()
        return out
