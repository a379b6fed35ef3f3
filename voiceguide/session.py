"""A live session: builds the real adapters around the player and runs the routine in real time."""

from __future__ import annotations

import argparse
import signal
import sys

from voiceguide.adapters.clock import MonotonicClock, ThreadInbox
from voiceguide.adapters.keys import KeyReader
from voiceguide.adapters.silent_speaker import SilentSpeaker
from voiceguide.console import Console
from voiceguide.engine import Engine, EngineOptions
from voiceguide.event_log import EventLog
from voiceguide.plan import CueMode, build_plan
from voiceguide.player import Player
from voiceguide.routine import Routine

EXIT_OK = 0
EXIT_INTERRUPTED = 130


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_session(routine: Routine, options: argparse.Namespace, cue_mode: CueMode) -> int:
    clock = MonotonicClock()
    inbox = ThreadInbox(clock)
    console = Console(sys.stdout)
    events = EventLog(options.events.open("w", encoding="utf-8")) if options.events else None
    engine = Engine(
        build_plan(routine, cue_mode),
        EngineOptions(brief=options.brief, checkins=options.checkins, pain_limit=routine.pain_limit),
    )
    speaker = SilentSpeaker(clock, inbox)
    player = Player(engine, clock=clock, inbox=inbox, speaker=speaker, console=console, events=events)
    keys = KeyReader(sys.stdin, clock, inbox, language=routine.language,
                     unknown=lambda text: console.line(f"'{text}' is not a command; type h and Enter for help."))
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        keys.start()
        player.run()
    except KeyboardInterrupt:
        player.interrupted()
        console.line("Interrupted. Your session so far is saved.")
        return EXIT_INTERRUPTED
    finally:
        speaker.close()
        if events:
            events.close()
    return EXIT_OK
