"""The routine engine: every decision about what happens next lives here.

It is a pure state machine. Events come in (time passed, a command was heard, a number was
answered, speech finished, a device failed or came back); effects go out (say this, cut speech,
play a cue, listen for this, log, finished). It imports no clock, thread, audio or speech library:
the player owns those, feeds it times and carries the effects out.

State: a `Phase` within the current part (the phases and the moves between them are in `TRANSITIONS`,
checked on every move), plus an optional `Pause` on top: pausing never changes the phase, it only stops
the part's time. Commands are dispatched through one table, `_HANDLERS`.

Timing is deadline-based. A part's timed phase starts when its opening has been said, with
`deadline = now + time_left`; pausing stores `time_left = deadline - now` and resuming restarts from
it, so a paused hold gets exactly the time it had left and a long sentence never shifts a deadline.

Who may speak when is the priority rule of `utterances.py`, for every utterance, device notices included.
Illegal events (time going backwards, anything after the end) raise and leave the state unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

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
from voiceguide.plan import INTRO_STEP, PartKind, Scheduled, estimated_part_seconds
from voiceguide.routine import Routine
from voiceguide.utterances import Utterances
from voiceguide.wording import Line, wording

QUIT_CONFIRM_SECONDS = 10.0
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


@dataclass(frozen=True)
class Pause:
    """The routine stands still, on top of whatever phase it is in."""

    reason: PauseReason
    since: float
    pain: bool = False  # "it hurts" led here: ending the session now is stopping for pain
    level_wanted: bool = False  # "it hurts" asked how bad, and no number came yet
    quit_question: int | None = None  # "do you want to end the session?" is being said (its utterance)
    quit_until: float | None = None  # ... and, once heard, stands until then

    @property
    def asking_quit(self) -> bool:
        return self.quit_question is not None or self.quit_until is not None


def engine_options(routine: Routine, **choices: Any) -> EngineOptions:
    """The options a routine brings (its language, pain limit and safety notes) with the person's choices."""
    return EngineOptions(language=routine.language, pain_limit=routine.pain_limit, safety=tuple(routine.safety),
                         **choices)


class IllegalEvent(Exception):
    """An event that cannot happen in the engine's current state."""


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
        self._time_left = self.parts[0].duration
        self._deadline: float | None = None  # set while the part's time runs
        self._schedule_pos = 0
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
                if self._paused and event.utterance_id == self._paused.quit_question:
                    self._quit_question_heard()
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
        if self._deadline is None:
            return None
        upcoming = self._upcoming()
        return self._deadline - upcoming.remaining if upcoming else self._deadline

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
            self._ask_pain(PainPhase.BEFORE, self._words(Line.PAIN_QUESTION_BEFORE))
        elif part.step == INTRO_STEP and self._leads_into_ready():
            self._move_to(self._first_part())
        else:
            if part.step == INTRO_STEP:
                self._say(self._ready_prompt(), Priority.INSTRUCTION)
            else:
                self._out.append(PartCompleted(part.step, self._last_of_step()))  # a ready step, read out
            self._enter(Phase.WAITING)

    def _start_time(self) -> None:
        part = self.part
        self._enter(Phase.TIMING)
        self._deadline = self._now + self._time_left
        self._schedule_pos = next(
            (i for i, item in enumerate(part.schedule) if item.remaining <= self._time_left), len(part.schedule)
        )
        self._say(part.go, Priority.INSTRUCTION)

    def _upcoming(self) -> Scheduled | None:
        schedule = self.part.schedule
        return schedule[self._schedule_pos] if self._schedule_pos < len(schedule) else None

    def _tick(self) -> None:
        if self._paused:
            if self._paused.quit_until is not None and self._now >= self._paused.quit_until:
                self._paused = dataclasses.replace(self._paused, quit_question=None, quit_until=None)
                self._say(self._words(Line.STILL_PAUSED), Priority.URGENT)
            return
        if self._deadline is None:
            return
        left = self._deadline - self._now
        due = []
        while (item := self._upcoming()) is not None and item.remaining >= left - 1e-9:
            due.append(item)
            self._schedule_pos += 1
        last_tick = max((i for i, item in enumerate(due) if item.priority is Priority.TICK), default=None)
        for i, item in enumerate(due):
            if item.priority is Priority.TICK and i != last_tick:
                continue
            if item.earcon:
                self._out.append(Cue(item.earcon))
            self._say(item.text, item.priority)
        if left <= 1e-9:
            self._deadline = None
            self._part_completed()

    def _first_part(self) -> int:
        """Where the routine starts after the introduction, part 0 (later for --resume)."""
        return min(max(self.options.start_part, 1), len(self.parts))

    def _leads_into_ready(self) -> bool:
        """The introduction goes straight on to a ready step, whose wait for "ready" is then the only one."""
        start = self._first_part()
        return start < len(self.parts) and self.parts[start].kind is PartKind.READY

    def _last_of_step(self) -> bool:
        return self._index + 1 >= len(self.parts) or self.parts[self._index + 1].step != self.part.step

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
        self._time_left = part.duration
        self._deadline = None
        if part.step != INTRO_STEP:
            self._out.append(PartStarted(part.step, part.exercise, part.label))
        opening = part.opening_brief if self.options.brief else part.opening
        if part.kind is PartKind.READY and part.step != INTRO_STEP and not self._listening:
            opening = f"{opening} {self._words(Line.PRESS_ENTER)}"
        self._say(opening, Priority.INSTRUCTION, gate=True)

    def _end_routine(self) -> None:
        self._index = len(self.parts) - 1
        self._deadline = None
        self._out.append(RoutineCompleted())
        self._out.append(Cue(Earcon.FINISH))
        # A routine that ends with its own closing words has said goodbye; the engine's are for the others.
        done = "" if self.parts[-1].kind is PartKind.SAY else self._words(Line.ROUTINE_DONE)
        if self.options.checkins:
            self._ask_pain(PainPhase.AFTER, f"{done} {self._words(Line.PAIN_QUESTION)}".strip())
        elif done:
            self._close(done, Outcome.FINISHED, Priority.INSTRUCTION)  # after "Release."
        else:
            self._closing_outcome = Outcome.FINISHED
            self._enter(Phase.CLOSING)
            self._finish()

    def _close(self, words: str, outcome: Outcome, priority: Priority = Priority.URGENT) -> None:
        """The last words; nothing may cut them but pause or stop, which end the session at once."""
        self._closing_outcome = outcome
        self._deadline = None
        if self._paused:
            self._paused = dataclasses.replace(self._paused, quit_question=None, quit_until=None)
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
        part = self.part
        if part.kind is PartKind.TIMED and self._time_left < part.duration:
            return f"{part.label}. {self._words(Line.TIME_LEFT, time=self._words.duration(self._time_left))}"
        return part.opening_brief

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
        if self._paused is None:
            if self._deadline is not None:
                self._time_left = max(self._deadline - self._now, 0.0)
                self._deadline = None
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

    def _next(self) -> None:
        if self._phase is Phase.CHECKIN:
            self._answer_pain(None)
        elif self._before_checkin_due():
            self._skip_to_checkin()
        else:
            self._go(self._index + 1)

    def _skip(self) -> None:
        if self._phase is Phase.CHECKIN:
            self._answer_pain(None)
        elif self._before_checkin_due():
            self._skip_to_checkin()
        else:
            step = self.part.step
            self._go(next((i for i, p in enumerate(self.parts) if p.step > step), len(self.parts)))

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
        """To the start of the side, set or step before; the pauses between them are passed over (a person
        who says "back" on the right side wants the left side again, not the time to change sides)."""
        if self._phase is not Phase.CHECKIN:
            earlier = (i for i in range(self._index - 1, 0, -1) if not self.parts[i].is_rest)
            self._go(next(earlier, 0))

    def _pause_command(self) -> None:
        self._pause(PauseReason.PAUSE, self._words(Line.PAUSED))

    def _stop(self) -> None:
        self._pause(PauseReason.STOP, self._words(Line.STOPPED))

    def _resume_command(self) -> None:
        if self._paused:
            self._resume()

    def _repeat(self) -> None:
        part, words = self.part, self._words
        if self._paused or self._phase is Phase.TIMING:
            self._say(part.full_text, Priority.URGENT)
        elif self._phase is Phase.CHECKIN:
            self._say(words(Line.PAIN_QUESTION), Priority.URGENT)
        elif self._phase is Phase.WAITING:
            prompt = f" {self._ready_prompt()}" if part.step == INTRO_STEP else ""
            self._say(f"{part.full_text}{prompt}", Priority.URGENT)
        elif part.kind is PartKind.TIMED and self._time_left < part.duration:
            left = words(Line.TIME_LEFT, time=words.duration(self._time_left))
            self._say(f"{part.full_text} {left}", Priority.URGENT, gate=True)
        else:
            self._say(part.full_text, Priority.URGENT, gate=True)

    def _quit(self) -> None:
        if self._paused and self._paused.asking_quit:
            self._confirm_quit()
        else:
            self._pause(PauseReason.QUIT, self._words(Line.QUIT_QUESTION))
            assert self._paused is not None
            self._paused = dataclasses.replace(self._paused, quit_question=self._speech.last_id)

    def _quit_question_heard(self) -> None:
        """The time to confirm counts from the end of the question, however long it took to be heard."""
        assert self._paused is not None
        self._paused = dataclasses.replace(self._paused, quit_question=None,
                                           quit_until=self._now + QUIT_CONFIRM_SECONDS)

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

    def _help(self) -> None:
        again = self._last_command is Command.HELP
        self._reply(self._words(Line.HELP_MORE if again else Line.HELP))

    def _status(self) -> str:
        """Where we are and what is left, as one spoken answer."""
        words = self._words
        left = max(self._deadline - self._now if self._deadline is not None else self._time_left, 0.0)
        where = self.part.label
        if self.part.duration and self._phase in (Phase.OPENING, Phase.RESUMING, Phase.TIMING):
            where = words(Line.WHERE_TIME_LEFT, where=where, time=words.duration(left))
        later = sum(estimated_part_seconds(p) for p in self.parts[self._index + 1 :])
        minutes = max(1, round((later + left) / 60))
        line = Line.STATUS_PAUSED if self._paused else Line.STATUS
        return words(line, where=where, minutes=words.duration(minutes * 60))

    def _time(self) -> None:
        self._reply(self._status())

    def _safety(self) -> None:
        notes = self.options.safety or (self._words(Line.NO_SAFETY_NOTES), self._words(Line.PAIN_ADVICE))
        self._reply(" ".join(notes))

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
        words = self._words
        advice = f"{words(Line.PAIN_ADVICE)} {words(Line.PAIN_LEVEL_QUESTION)}"
        self._pause(PauseReason.PAIN, advice, pain=True, level_wanted=True)

    # ----- pain check-ins ----------------------------------------------------------------------

    def _ask_pain(self, when: PainPhase, question: str) -> None:
        self._checkin = when
        self._enter(Phase.CHECKIN)
        self._say(question, Priority.INSTRUCTION)

    def _number(self, event: HeardNumber) -> None:
        wanted = self._paused.level_wanted if self._paused else self._phase is Phase.CHECKIN
        if not wanted:
            return
        if not 0 <= event.value <= 10:
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
        if level is not None:
            self._say(f"{self._words(Line.THANKS)} {self._words(Line.PAIN_CHOICES)}", Priority.URGENT)

    def _answer_pain(self, level: int | None) -> None:
        words = self._words
        when, self._checkin = self._checkin, None
        assert when is not None
        self._out.append(PainReported(when, level))
        thanks = words(Line.THANKS if level is not None else Line.NO_ANSWER)
        if when is PainPhase.AFTER:
            self._close(f"{thanks} {words(Line.REST_NOW)}", Outcome.FINISHED)
            return
        if level is not None and level > self.options.pain_limit:
            advice = f"{thanks} {words(Line.PAIN_ABOVE_LIMIT, level=level, advice=words(Line.PAIN_ADVICE))}"
            if not self._listening:
                advice = f"{advice} {words(Line.PRESS_ENTER)}"
        elif self._leads_into_ready():
            self._say(thanks, Priority.INSTRUCTION)
            self._move_to(self._first_part())
            return
        else:
            advice = f"{thanks} {self._ready_prompt()}"
        self._enter(Phase.WAITING)
        self._say(advice, Priority.INSTRUCTION)

    _HANDLERS: ClassVar[dict[Command, Callable[[Engine], None]]] = {
        Command.NEXT: _next,
        Command.SKIP: _skip,
        Command.BACK: _back,
        Command.PAUSE: _pause_command,
        Command.STOP: _stop,
        Command.RESUME: _resume_command,
        Command.REPEAT: _repeat,
        Command.QUIT: _quit,
        Command.YES: _yes,
        Command.HELP: _help,
        Command.TIME: _time,
        Command.SAFETY: _safety,
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
