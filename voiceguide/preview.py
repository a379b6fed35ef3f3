"""Runs a routine on a simulated clock at once: the timed transcript a physiotherapist checks."""

from __future__ import annotations

import io
from dataclasses import dataclass

from voiceguide.adapters.silent_speaker import SilentSpeaker
from voiceguide.commands import Command
from voiceguide.console import Console
from voiceguide.engine import Engine, EngineOptions
from voiceguide.messages import Heard
from voiceguide.plan import CueMode, build_plan
from voiceguide.player import Player
from voiceguide.routine import Routine
from voiceguide.simulation import FakeClock, SimulatedInbox

# In a preview nobody answers, so the simulated person answers at once: ready, and "skip" for pain questions.
_ANSWERS = {"ready": Command.READY, "number": Command.SKIP}


@dataclass(frozen=True)
class Preview:
    transcript: str  # `[mm:ss] text` lines
    total_seconds: float


def preview(routine: Routine, *, brief: bool = False, checkins: bool = True,
            cue_mode: CueMode = CueMode.SPEECH) -> Preview:
    clock = FakeClock()
    inbox = SimulatedInbox(clock)
    out = io.StringIO()
    console = Console(out, stamp_from=0.0)
    engine = Engine(build_plan(routine, cue_mode),
                    EngineOptions(brief=brief, checkins=checkins, pain_limit=routine.pain_limit))

    def answer(awaiting: str | None) -> None:
        if awaiting:
            command = _ANSWERS[awaiting]
            console.line(f"(you say: {command.value})", clock.now())
            inbox.put(Heard(command, clock.now(), source="preview"))

    player = Player(engine, clock=clock, inbox=inbox, speaker=SilentSpeaker(clock, inbox), console=console,
                    on_awaiting=answer)
    player.run()
    return Preview(out.getvalue(), clock.now())
