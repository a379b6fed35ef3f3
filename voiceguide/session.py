"""A live session: builds the real adapters around the player and runs the routine in real time."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING

from voiceguide.adapters.clock import MonotonicClock, ThreadInbox
from voiceguide.adapters.keys import KeyReader
from voiceguide.adapters.silent_speaker import SilentSpeaker
from voiceguide.console import Console
from voiceguide.engine import Engine, EngineOptions, estimated_speech_seconds
from voiceguide.event_log import EventLog
from voiceguide.messages import Earcon, Log, Priority, Say, SpeechDone, VoiceSetting
from voiceguide.own_voice import OwnVoice
from voiceguide.plan import CueMode, Part, build_plan, spoken_texts
from voiceguide.player import Player
from voiceguide.ports import Speaker
from voiceguide.routine import Routine

if TYPE_CHECKING:
    from voiceguide.adapters.microphone import MicrophoneListener
    from voiceguide.adapters.speaker import SoundDeviceSpeaker
    from voiceguide.settings import VoiceSettings

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class SessionError(Exception):
    """The session cannot start as asked (a voice that is not installed); str() is one sentence."""


class _ForgivingHistory:
    """Passes entries to the history; if the file fails mid-session, says so once and carries on without it."""

    def __init__(self, recorder, console: Console) -> None:
        self._recorder = recorder
        self._console = console

    def record(self, entry: Log) -> None:
        self._guard(self._recorder.record, entry)

    def close(self, outcome: str) -> None:
        self._guard(self._recorder.close, outcome)

    def _guard(self, action, argument) -> None:
        from voiceguide.history import HistoryError

        if self._recorder is None:
            return
        try:
            action(argument)
        except HistoryError as error:
            self._console.line(f"{error} The routine goes on without recording.")
            self._recorder = None


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _first_part_of_step(parts: tuple[Part, ...], step: int) -> int:
    return next((index for index, part in enumerate(parts) if part.step >= step), len(parts) - 1)


def run_session(routine: Routine, options: argparse.Namespace, cue_mode: CueMode) -> int:
    """Runs the routine in real time; returns the exit code. Raises SessionError before anything is said."""
    clock = MonotonicClock()
    inbox = ThreadInbox(clock)
    console = Console(sys.stdout)
    own_voice = OwnVoice()
    parts = build_plan(routine, cue_mode)
    with ExitStack() as resources:
        texts = spoken_texts(parts, options.brief)
        speaker = _open_speaker(routine, options, clock, inbox, own_voice, console, texts)
        resources.callback(speaker.close)
        history, start_part = _open_history(routine, options, parts, console, resources)
        events = None
        if options.events:
            events = EventLog(resources.enter_context(options.events.open("w", encoding="utf-8")))
        engine = Engine(parts, EngineOptions(brief=options.brief, checkins=options.checkins,
                                             pain_limit=routine.pain_limit, start_part=start_part))
        voice = None if options.keys_only else VoiceControl(routine, options, clock, inbox, own_voice, console)
        if voice is not None:
            resources.callback(voice.close)
        player = Player(engine, clock=clock, inbox=inbox, speaker=speaker, console=console, history=history,
                        events=events, on_awaiting=voice.awaiting if voice else None,
                        on_speaking=voice.start if voice else None)
        keys = KeyReader(sys.stdin, clock, inbox, language=routine.language, unknown=lambda text: console.line(
            f"'{text}' is not a command; type h and Enter for help."))
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            keys.start()
            player.run()
        except KeyboardInterrupt:
            player.interrupted()
            console.line("Interrupted. Your session so far is saved." if history else "Interrupted.")
            return EXIT_INTERRUPTED
    return EXIT_OK


class _TextOnceSilent:
    """Speaks through the sound device until it fails, then paces the lines as text mode does, so the rest
    of the routine keeps its rhythm instead of rushing through instructions nobody hears. A spoken voice
    adjustment is applied by the speaker and kept for next time here, through `keep`."""

    def __init__(self, speaker: SoundDeviceSpeaker, text: SilentSpeaker,
                 keep: Callable[[VoiceSettings], None]) -> None:
        self._speaker = speaker
        self._text = text
        self._keep = keep

    def _current(self) -> Speaker:
        return self._text if self._speaker.failed else self._speaker

    def say(self, utterance: Say) -> None:
        self._current().say(utterance)

    def cue(self, earcon: Earcon) -> None:
        self._current().cue(earcon)

    def silence(self) -> None:
        self._current().silence()

    def adjust(self, setting: VoiceSetting, steps: int) -> None:
        before = self._speaker.settings
        self._current().adjust(setting, steps)
        if self._speaker.settings != before:
            try:
                self._keep(self._speaker.settings)
            except OSError as error:
                logging.getLogger(__name__).warning("could not save the voice settings: %s", error)

    def close(self) -> None:
        self._speaker.close()


def _open_speaker(routine: Routine, options: argparse.Namespace, clock: MonotonicClock, inbox: ThreadInbox,
                  own_voice: OwnVoice, console: Console, texts: list[str]) -> Speaker:
    """Speech through the chosen output device, rendering `texts` ahead; text mode (with one sentence
    saying why) when there is no device."""
    if options.text:
        return SilentSpeaker(clock, inbox)
    from voiceguide.adapters.speaker import AudioUnavailable, open_speaker
    from voiceguide.adapters.voices import UnknownVoice
    from voiceguide.settings import SettingsFile

    settings_file = SettingsFile()
    settings = settings_file.load().with_overrides(options.voice, options.rate, options.volume)
    try:
        speaker = open_speaker(inbox.put, clock, own_voice, settings, options.output_device,
                               language=routine.language)
    except UnknownVoice as error:
        raise SessionError(str(error)) from error
    except AudioUnavailable as error:
        console.line(f"{error} Carrying on in text.")
        return SilentSpeaker(clock, inbox)
    speaker.prepare(texts)
    return _TextOnceSilent(speaker, SilentSpeaker(clock, inbox), keep=settings_file.save)


class VoiceControl:
    """The microphone side of a session. It starts once the first words are heard, so that loading the
    recognizer never delays them; number words join its vocabulary only while a number is asked for."""

    def __init__(self, routine: Routine, options: argparse.Namespace, clock: MonotonicClock, inbox: ThreadInbox,
                 own_voice: OwnVoice, console: Console) -> None:
        self._arguments = (inbox.put, clock, own_voice, routine.language, options.input_device, options.engine,
                           options.model)
        self._console = console
        self._listener: MicrophoneListener | None = None
        self._numbers = False

    def start(self) -> None:
        """Open and start the listener, saying which engine listens (or, once, that only keys work)."""
        from voiceguide.adapters.microphone import open_listener
        from voiceguide.adapters.models import NoListenerError

        try:
            self._listener, sentence = open_listener(*self._arguments)
        except NoListenerError as error:
            self._console.line(str(error))
            return
        self._console.line(sentence)
        self._listener.expect_numbers(self._numbers)
        self._listener.start()

    def awaiting(self, awaiting: str | None) -> None:
        self._numbers = awaiting == "number"
        if self._listener is not None:
            self._listener.expect_numbers(self._numbers)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()


def _open_history(routine: Routine, options: argparse.Namespace, parts: tuple[Part, ...], console: Console,
                  resources: ExitStack) -> tuple[_ForgivingHistory | None, int]:
    """The session's history recorder and the part to start from (for --resume)."""
    if not options.record_history:
        if options.resume:
            console.line("Without history there is no session to resume; starting from the beginning.")
        return None, 0
    from voiceguide.history import HistoryError, HistoryStore

    try:
        store = resources.enter_context(HistoryStore.open(options.history_file))
    except HistoryError as error:
        console.line(f"{error} The routine goes on without recording.")
        return None, 0
    if store.notice:
        console.line(store.notice)
    start_part, resumes = 0, None
    if options.resume:
        point = store.resume_point(routine.name)
        if point is None or point.step >= len(routine.steps):
            console.line("There is no session of this routine from today to resume; starting from the beginning.")
        else:
            start_part, resumes = _first_part_of_step(parts, point.step), point.session_id
            console.line(f"Resuming today's session at step {point.step + 1}: {parts[start_part].exercise}.")
    try:
        recorder = store.start_session(routine.name, resumes=resumes)
    except HistoryError as error:
        console.line(f"{error} The routine goes on without recording.")
        return None, start_part
    return _ForgivingHistory(recorder, console), start_part


def say_once(text: str) -> None:
    """Prints one sentence and speaks it, waiting until it has been heard (text only when there is no sound)."""
    print(text, flush=True)
    from voiceguide.adapters.speaker import AudioUnavailable, open_speaker
    from voiceguide.adapters.voices import UnknownVoice
    from voiceguide.settings import SettingsFile

    clock = MonotonicClock()
    inbox = ThreadInbox(clock)
    try:
        speaker = open_speaker(inbox.put, clock, OwnVoice(), SettingsFile().load())
    except (AudioUnavailable, UnknownVoice) as error:
        print(f"{error} The sentence is shown as text only.", file=sys.stderr)
        return
    try:
        speaker.say(Say(1, text, Priority.INSTRUCTION))
        give_up = clock.now() + estimated_speech_seconds(text) + 10
        while not isinstance(inbox.wait(give_up), SpeechDone | None):
            pass
    finally:
        speaker.close()
