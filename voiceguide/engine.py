"""The routine engine: every decision about what happens next lives here.

It is a pure state machine. Events come in (time passed, a command was heard, a number was
answered, speech finished); effects go out (say this, cut speech, play a cue, log, finished). It
imports no clock, thread, audio or speech library: the player owns those and feeds it times.

Timing is deadline-based. A part's timed phase starts when its opening has been said, with
`deadline = now + time_left`; pausing stores `time_left = deadline - now` and resuming restarts from
it, so a paused hold gets exactly the time it had left and a long sentence never shifts a deadline.

Who may speak when (the priority rule, enforced in `_say`):
- URGENT (safety, answers to the user) cuts whatever is playing;
- INSTRUCTION queues behind other instructions and cuts a tick;
- TICK is dropped while anything more important is pending and replaces an older tick.
Illegal events (time going backwards, anything after the end) raise and leave the state unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from voiceguide.commands import HELP_LINES, Command
from voiceguide.messages import (
    AdjustVoice,
    Cue,
    Earcon,
    Effect,
    Event,
    Finished,
    Heard,
    HeardNumber,
    Log,
    Priority,
    Say,
    Silence,
    SpeechDone,
    VoiceSetting,
)
from voiceguide.plan import INTRO_STEP, READY_PROMPT, Part, PartKind, seconds_phrase

QUIT_CONFIRM_SECONDS = 10.0
SPEECH_WORDS_PER_SECOND = 160 / 60

PAIN_QUESTION = "How is your pain, from zero to ten?"
PAIN_ADVICE = (
    "Sharp pain means stop. These exercises should stay below moderate pain, "
    "and an exercise that makes the pain worse should be left out."
)
PAIN_CHOICES = "Say skip to leave this exercise out, resume to carry on, or quit to end the session."
QUIT_QUESTION = "Do you want to end the session? Say quit again, or yes, to end it. Say resume to carry on."


class Phase(StrEnum):
    OPENING = "opening"  # the part's opening (or a restatement) is being said; time starts after it
    TIMING = "timing"  # the part's time is running
    WAITING = "waiting"  # waiting for "ready"
    CHECKIN = "checkin"  # waiting for a pain number (or "skip")
    CLOSING = "closing"  # the last words are being said
    FINISHED = "finished"


class PauseReason(StrEnum):
    PAUSE = "pause"
    STOP = "stop"
    QUIT = "quit"
    PAIN = "pain"


@dataclass(frozen=True)
class EngineOptions:
    brief: bool = False
    checkins: bool = True
    pain_limit: int = 5
    start_part: int = 0  # for --resume: the part to open after "ready"


class IllegalEvent(Exception):
    """An event that cannot happen in the engine's current state."""


def estimated_speech_seconds(text: str) -> float:
    """A speaking-time estimate at the default rate, for status answers and simulated speech."""
    return 0.3 + len(text.split()) / SPEECH_WORDS_PER_SECOND


def estimated_part_seconds(part: Part) -> float:
    return estimated_speech_seconds(part.opening) + part.duration


class Engine:
    """The routine's state machine. Feed it events in time order; carry out the effects it returns."""

    def __init__(self, parts: Sequence[Part], options: EngineOptions = EngineOptions()) -> None:
        if not parts:
            raise ValueError("a routine needs at least one part")
        self.parts = tuple(parts)
        self.options = options
        self.index = 0
        self.phase = Phase.OPENING
        self.paused: PauseReason | None = None
        self.now = float("-inf")
        self._started = False
        self._time_left = self.parts[0].duration
        self._deadline: float | None = None
        self._schedule_pos = 0
        self._pending: dict[int, Priority] = {}
        self._gate: int | None = None  # the utterance whose end moves the phase on
        self._next_id = 1
        self._quit_until: float | None = None
        self._paused_at = 0.0
        self._paused_total = 0.0
        self._pain_reported = False
        self._checkin_phase: str | None = None
        self._asked_before = False
        self._step_started = (INTRO_STEP, 0.0, 0.0)  # step, started at, paused total then
        self._step_completed = False
        self._out: list[Effect] = []

    # ----- the public interface -------------------------------------------------------------

    @property
    def part(self) -> Part:
        return self.parts[self.index]

    @property
    def finished(self) -> bool:
        return self.phase is Phase.FINISHED

    @property
    def awaiting(self) -> str | None:
        """What the engine waits for from the person: "ready", "number", or None."""
        if self.paused:
            return None
        return {Phase.WAITING: "ready", Phase.CHECKIN: "number"}.get(self.phase)

    def start(self, now: float) -> list[Effect]:
        if self._started:
            raise IllegalEvent("the routine has already started")
        self._started = True
        self.now = now
        self._open_part(0)
        return self._flush()

    def handle(self, event: Event) -> list[Effect]:
        """Apply one event; returns the effects to carry out, in order."""
        if not self._started:
            raise IllegalEvent("start() the engine before sending events")
        if self.phase is Phase.FINISHED:
            raise IllegalEvent(f"the routine has finished; {type(event).__name__} cannot be handled")
        if event.now < self.now:
            raise IllegalEvent(f"time went backwards: {event.now} after {self.now}")
        self.now = event.now
        if isinstance(event, SpeechDone):
            self._speech_done(event.utterance_id)
        elif isinstance(event, Heard):
            self._heard(event)
        elif isinstance(event, HeardNumber):
            self._number(event)
        self._tick()
        return self._flush()

    def next_deadline(self) -> float | None:
        """When the engine next needs a Tick, if nothing else happens first."""
        if self.paused:
            return self._quit_until
        if self.phase is not Phase.TIMING or self._deadline is None:
            return None
        upcoming = self._upcoming()
        return self._deadline - upcoming.remaining if upcoming else self._deadline

    def status(self) -> str:
        """Where we are and what is left, as one spoken answer."""
        part = self.part
        if self.phase is Phase.TIMING and self._deadline is not None:
            left = self._deadline - self.now
        else:
            left = self._time_left
        here = part.label
        if part.duration and self.phase in (Phase.OPENING, Phase.TIMING):
            here += f", {seconds_phrase(max(left, 0))} left"
        later = sum(estimated_part_seconds(p) for p in self.parts[self.index + 1 :])
        total_minutes = max(1, round((later + max(left, 0)) / 60))
        prefix = "Paused. " if self.paused else ""
        return f"{prefix}{here}; about {total_minutes} minute{'s' if total_minutes != 1 else ''} left in all."

    # ----- speech and the priority rule ---------------------------------------------------------

    def _say(self, text: str, priority: Priority, *, gate: bool = False) -> None:
        if not text:
            return
        pending = set(self._pending.values())
        if priority is Priority.TICK:
            if any(p < Priority.TICK for p in pending):
                return
            if pending:
                self._silence()
        elif priority is Priority.INSTRUCTION:
            if pending and pending == {Priority.TICK}:
                self._silence()
        else:
            self._silence()
        utterance_id = self._next_id
        self._next_id += 1
        self._pending[utterance_id] = priority
        self._out.append(Say(utterance_id, text, priority))
        if gate:
            self._gate = utterance_id

    def _silence(self) -> None:
        if self._pending:
            self._out.append(Silence())
            self._pending.clear()
        self._gate = None

    def _speech_done(self, utterance_id: int) -> None:
        self._pending.pop(utterance_id, None)
        if utterance_id != self._gate:
            return
        self._gate = None
        if self.phase is Phase.CLOSING:
            self.phase = Phase.FINISHED
            self._out.append(Finished(self._outcome()))
        elif self.phase is Phase.OPENING and not self.paused:
            self._opening_said()

    def _opening_said(self) -> None:
        part = self.part
        if part.kind is PartKind.TIMED:
            self.phase = Phase.TIMING
            self._deadline = self.now + self._time_left
            self._schedule_pos = next(
                (i for i, item in enumerate(part.schedule) if item.remaining <= self._time_left), len(part.schedule)
            )
        elif part.kind is PartKind.SAY:
            self._part_completed()
        elif part.step == INTRO_STEP and self.options.checkins and not self._asked_before:
            self._asked_before = True
            self._ask_pain("before", f"Before we start: {PAIN_QUESTION[0].lower()}{PAIN_QUESTION[1:]}")
        else:
            if part.step == INTRO_STEP:
                self._say(READY_PROMPT, Priority.INSTRUCTION)
            self.phase = Phase.WAITING

    # ----- time -----------------------------------------------------------------------------

    def _upcoming(self):
        schedule = self.part.schedule
        return schedule[self._schedule_pos] if self._schedule_pos < len(schedule) else None

    def _tick(self) -> None:
        if self.paused:
            if self._quit_until is not None and self.now >= self._quit_until:
                self._quit_until = None
                self._say("Still paused. Say resume to carry on.", Priority.URGENT)
            return
        if self.phase is not Phase.TIMING or self._deadline is None:
            return
        left = self._deadline - self.now
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
            self._part_completed()

    def _part_completed(self) -> None:
        part = self.part
        if part.closing:
            self._say(part.closing, Priority.INSTRUCTION)
        if part.closing_earcon:
            self._out.append(Cue(part.closing_earcon))
        is_last_of_step = self.index + 1 >= len(self.parts) or self.parts[self.index + 1].step != part.step
        if is_last_of_step:
            self._step_completed = True
        self._move_to(self.index + 1)

    # ----- moving between parts ------------------------------------------------------------------

    def _move_to(self, index: int) -> None:
        index = max(index, 0)
        new_step = self.parts[index].step if index < len(self.parts) else None
        step, started, paused_then = self._step_started
        if step != INTRO_STEP and new_step != step:
            outcome = "done" if self._step_completed else "skipped"
            seconds = round(self.now - started - (self._paused_total - paused_then), 1)
            self._out.append(Log("step", {"step": step, "name": self.part.exercise, "outcome": outcome, "seconds": seconds}))
        if new_step != step:
            self._step_started = (new_step if new_step is not None else INTRO_STEP, self.now, self._paused_total)
            self._step_completed = False
        if index >= len(self.parts):
            self._end_routine()
        else:
            self._open_part(index)

    def _open_part(self, index: int, *, full: bool | None = None) -> None:
        self.index = index
        part = self.part
        self.phase = Phase.OPENING
        self._time_left = part.duration
        self._deadline = None
        if part.step != INTRO_STEP:
            self._out.append(Log("part", {"step": part.step, "name": part.exercise, "label": part.label}))
        use_full = full if full is not None else not self.options.brief
        self._say(part.opening if use_full else part.opening_brief, Priority.INSTRUCTION, gate=True)

    def _end_routine(self) -> None:
        self.index = len(self.parts) - 1
        self._out.append(Cue(Earcon.FINISH))
        if self.options.checkins:
            self._ask_pain("after", f"That is the whole routine. Well done. {PAIN_QUESTION}")
        else:
            self._close("That is the whole routine. Well done.", Priority.INSTRUCTION)  # after "Release."

    def _close(self, words: str, priority: Priority = Priority.URGENT) -> None:
        self.phase = Phase.CLOSING
        self._say(words, priority, gate=True)

    def _outcome(self) -> str:
        if self.paused is PauseReason.QUIT:
            return "stopped_for_pain" if self._pain_reported else "quit"
        return "finished"

    def _restatement(self) -> str:
        part = self.part
        if part.kind is PartKind.TIMED and self._time_left < part.duration:
            return f"{part.label}. {seconds_phrase(self._time_left)} left."
        return part.opening_brief

    # ----- pausing ---------------------------------------------------------------------------

    def _pause(self, reason: PauseReason, words: str) -> None:
        if not self.paused:
            if self.phase is Phase.TIMING and self._deadline is not None:
                self._time_left = max(self._deadline - self.now, 0.0)
                self._deadline = None
                self.phase = Phase.OPENING
            self._paused_at = self.now
            self._out.append(Log("pause", {"reason": str(reason)}))
        self.paused = reason
        self._say(words, Priority.URGENT)

    def _unpause(self) -> None:
        paused_seconds = self.now - self._paused_at
        self._paused_total += paused_seconds
        self.paused = None
        self._quit_until = None
        self._pain_reported = False
        self._out.append(Log("resume", {"paused_seconds": round(paused_seconds, 1)}))

    def _resume(self) -> None:
        self._unpause()
        if self.phase is Phase.OPENING:
            self._say(f"Resuming. {self._restatement()}", Priority.URGENT, gate=True)
        elif self.phase is Phase.CHECKIN:
            self._say(PAIN_QUESTION, Priority.URGENT)
        else:
            self._say(f"Resuming. {READY_PROMPT}", Priority.URGENT)

    def _reply(self, words: str) -> None:
        """Answer the user at once; an interrupted opening is restated after the answer."""
        self._say(words, Priority.URGENT)
        if not self.paused and self.phase is Phase.OPENING:
            self._say(self._restatement(), Priority.INSTRUCTION, gate=True)

    # ----- commands -----------------------------------------------------------------------------

    def _heard(self, event: Heard) -> None:
        self._out.append(Log("command", {"command": str(event.command), "source": event.source}))
        self._HANDLERS[event.command](self)
        self._out.append(Cue(Earcon.HEARD))

    def _go(self, index: int) -> None:
        if self.paused:
            self._unpause()
        self._silence()
        self._move_to(index)

    def _next(self) -> None:
        if self.phase is Phase.CHECKIN:
            self._answer_pain(None)
        elif self._before_checkin_due():
            self._skip_to_checkin()
        elif self.phase is not Phase.CLOSING:
            self._go(self.index + 1)

    def _skip(self) -> None:
        if self.phase is Phase.CHECKIN:
            self._answer_pain(None)
        elif self._before_checkin_due():
            self._skip_to_checkin()
        elif self.phase is not Phase.CLOSING:
            step = self.part.step
            self._go(next((i for i, p in enumerate(self.parts) if p.step > step), len(self.parts)))

    def _before_checkin_due(self) -> bool:
        """Still in the introduction, with the "before" pain question not yet asked."""
        return self.part.step == INTRO_STEP and self.options.checkins and not self._asked_before

    def _skip_to_checkin(self) -> None:
        """Leaving out the introduction's words still asks the pain question: the session's record and
        the pain limit both need the "before" answer (which can itself be skipped)."""
        if self.paused:
            self._unpause()
        self._silence()
        self._opening_said()

    def _back(self) -> None:
        if self.phase not in (Phase.CLOSING, Phase.CHECKIN):
            self._go(self.index - 1 if self.index > 0 else 0)

    def _pause_command(self) -> None:
        self._pause(PauseReason.PAUSE, "Paused. Say resume to carry on.")

    def _stop(self) -> None:
        self._pause(PauseReason.STOP, "Stopped. Say resume to carry on, or quit to end the session.")

    def _resume_command(self) -> None:
        if self.paused:
            self._resume()

    def _repeat(self) -> None:
        part = self.part
        if self.paused or self.phase in (Phase.TIMING, Phase.CLOSING):
            self._say(part.full_text, Priority.URGENT)
        elif self.phase is Phase.CHECKIN:
            self._say(PAIN_QUESTION, Priority.URGENT)
        elif self.phase is Phase.WAITING:
            self._say(f"{part.full_text} {READY_PROMPT}" if part.step == INTRO_STEP else part.full_text, Priority.URGENT)
        elif part.kind is PartKind.TIMED and self._time_left < part.duration:
            self._say(f"{part.full_text} {seconds_phrase(self._time_left)} left.", Priority.URGENT, gate=True)
        else:
            self._say(part.full_text, Priority.URGENT, gate=True)

    def _quit(self) -> None:
        if self._quit_until is not None:
            self._confirm_quit()
            return
        self._pause(self.paused if self.paused is PauseReason.PAIN else PauseReason.QUIT, QUIT_QUESTION)
        self._quit_until = self.now + QUIT_CONFIRM_SECONDS

    def _yes(self) -> None:
        if self._quit_until is not None:
            self._confirm_quit()
        elif self.phase is Phase.WAITING and not self.paused:
            self._ready()

    def _confirm_quit(self) -> None:
        self.paused = PauseReason.QUIT
        self._quit_until = None
        self._out.append(Log("quit", {}))
        self._close("Ending the session. Take care.")

    def _help(self) -> None:
        said = "; ".join(f"{command.value}: {meaning}" for command, meaning in HELP_LINES)
        self._reply(f"You can say: {said}.")

    def _time(self) -> None:
        self._reply(self.status())

    def _adjust(self, setting: VoiceSetting, steps: int, words: str) -> None:
        self._out.append(AdjustVoice(setting, steps))
        self._say(words, Priority.INSTRUCTION)

    def _ready(self) -> None:
        """Starts what waits for the person; said while a ready-step is still being read out, it starts too."""
        if self.paused:
            self._resume()
        elif self.phase is Phase.WAITING or (self.phase is Phase.OPENING and self.part.kind is PartKind.READY):
            start = max(self.options.start_part, self.index + 1) if self.part.step == INTRO_STEP else self.index + 1
            self._go(min(start, len(self.parts)))

    def _pain(self) -> None:
        self._pain_reported = True
        self._out.append(Log("pain", {"phase": "during", "level": None}))
        self._pause(PauseReason.PAIN, f"{PAIN_ADVICE} {PAIN_CHOICES}")

    # ----- pain check-ins ----------------------------------------------------------------------

    def _ask_pain(self, when: str, question: str) -> None:
        self._checkin_phase = when
        self.phase = Phase.CHECKIN
        self._say(question, Priority.INSTRUCTION)

    def _number(self, event: HeardNumber) -> None:
        if self.phase is not Phase.CHECKIN or self.paused:
            return
        if not 0 <= event.value <= 10:
            self._say("Please give a number from zero to ten.", Priority.URGENT)
            return
        self._out.append(Cue(Earcon.HEARD))
        self._answer_pain(event.value)

    def _answer_pain(self, level: int | None) -> None:
        when = self._checkin_phase
        self._checkin_phase = None
        self._out.append(Log("pain", {"phase": when, "level": level}))
        thanks = "Thank you." if level is not None else "No answer, that is fine."
        if when == "after":
            self._close(f"{thanks} Rest now, and take care.")
            return
        if level is not None and level > self.options.pain_limit:
            advice = (
                f"{thanks} {level} is above moderate pain. {PAIN_ADVICE} "
                "You may prefer to rest today; say quit to end, or ready to go on gently."
            )
        else:
            advice = f"{thanks} {READY_PROMPT}"
        self.phase = Phase.WAITING
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
        Command.SLOWER: lambda self: self._adjust(VoiceSetting.RATE, -1, "Slower."),
        Command.FASTER: lambda self: self._adjust(VoiceSetting.RATE, +1, "Faster."),
        Command.LOUDER: lambda self: self._adjust(VoiceSetting.VOLUME, +1, "Louder."),
        Command.QUIETER: lambda self: self._adjust(VoiceSetting.VOLUME, -1, "Quieter."),
        Command.READY: _ready,
        Command.PAIN: _pain,
    }

    def _flush(self) -> list[Effect]:
        out, self._out = self._out, []
        return out
