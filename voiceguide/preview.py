"""Runs a routine on a simulated clock at once: the timed transcript a physiotherapist checks."""

from __future__ import annotations

import io
from dataclasses import dataclass

from voiceguide.adapters.silent_speaker import SilentSpeaker
from voiceguide.console import Console
from voiceguide.engine import Engine, engine_options
from voiceguide.plan import CueMode, Intro, build_plan
from voiceguide.player import Player
from voiceguide.routine import Routine
from voiceguide.simulation import FakeClock, SimulatedInbox, SimulatedPerson


@dataclass(frozen=True)
class Preview:
    transcript: str  # `[mm:ss] text` lines
    total_seconds: float


def preview(routine: Routine, *, brief: bool = False, checkins: bool = True,
            cue_mode: CueMode = CueMode.SPEECH, intro: Intro = Intro.FULL) -> Preview:
    clock = FakeClock()
    inbox = SimulatedInbox(clock)
    out = io.StringIO()
    console = Console(out, stamp_from=0.0)
    engine = Engine(build_plan(routine, cue_mode, intro), engine_options(routine, brief=brief, checkins=checkins))
    speaker = SilentSpeaker(clock, inbox)
    person = SimulatedPerson(clock, inbox, console.line, quiet_at=lambda: speaker.quiet_at)
    player = Player(engine, clock=clock, inbox=person, speaker=speaker, console=console, listener=person)
    player.run()
    return Preview(out.getvalue(), clock.now())
