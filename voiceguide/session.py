"""A live session: builds the real adapters around the player and runs the routine in real time."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.adapters.clock import MonotonicClock, ThreadInbox
from voiceguide.adapters.keys import KeyReader
from voiceguide.adapters.silent_speaker import SilentSpeaker
from voiceguide.console import Console
from voiceguide.engine import Engine, engine_options
from voiceguide.event_log import EventLog
from voiceguide.exit_codes import ExitCode
from voiceguide.messages import Earcon, Log, Outcome, Priority, Say, SpeechDone, VoiceSetting
from voiceguide.own_voice import OwnVoice
from voiceguide.plan import CueMode, Intro, Part, build_plan, estimated_speech_seconds, spoken_texts
from voiceguide.player import Player
from voiceguide.ports import Speaker
from voiceguide.routine import Routine

if TYPE_CHECKING:
    from voiceguide.adapters.microphone import MicrophoneListener
    from voiceguide.adapters.speaker import SoundDeviceSpeaker
    from voiceguide.settings import VoiceSettings

@dataclass(frozen=True)
class SessionConfig:
    """How to run one routine in real time, as the command line asked for it."""

    brief: bool = False
    intro: Intro = Intro.FULL
    checkins: bool = True
    cue_mode: CueMode = CueMode.SPEECH
    text: bool = False  # plain text lines instead of speech
    events: Path | None = None  # the diagnostic event log to write
    resume: bool = False
    history_file: Path | None = None  # None: the default history file
    record_history: bool = True
    voice: str | None = None
    rate: int | None = None
    volume: float | None = None
    output_device: int | str | None = None
    input_device: int | str | None = None
    engine: str | None = None
    model: Path | None = None
    keys_only: bool = False


class SessionError(Exception):
    """The session cannot start as asked (a voice that is not installed); str() is one sentence."""


class _ForgivingHistory:
    """Passes entries to the history; if the file fails mid-session, says so once and carries on without it."""

    def __init__(self, recorder, console: Console) -> None:
        self._recorder = recorder
        self._console = console

    def record(self, entry: Log) -> None:
        self._guard(self._recorder.record, entry)

    def close(self, outcome: Outcome) -> None:
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


def run_session(routine: Routine, config: SessionConfig) -> ExitCode:
    """Runs the routine in real time; returns the exit code. Raises SessionError before anything is said.

    The order matters to the person listening: the line saying which engine will listen, on which
    microphone, comes before the introduction; the recognizer loads in the background while the first
    words play, and "Listening now" is printed (by the player) only once it hears. Keys work from the start.
    """
    clock = MonotonicClock()
    inbox = ThreadInbox(clock)
    console = Console(sys.stdout)
    own_voice = OwnVoice()
    parts = build_plan(routine, config.cue_mode, config.intro)
    with ExitStack() as resources:
        texts = spoken_texts(parts, config.brief, routine.language)
        speaker = _open_speaker(routine, config, clock, inbox, own_voice, console, texts)
        resources.callback(speaker.close)
        history, start_part = _open_history(routine, config, parts, console, resources)
        events = None
        if config.events:
            events = EventLog(resources.enter_context(config.events.open("w", encoding="utf-8")))
        listener = None if config.keys_only else _open_listener(routine, config, clock, inbox, own_voice, console)
        if listener is not None:
            resources.callback(listener.close)
            listener.start()
        options = engine_options(routine, brief=config.brief, checkins=config.checkins, start_part=start_part,
                                 listening=listener is not None)
        player = Player(Engine(parts, options), clock=clock, inbox=inbox, speaker=speaker, console=console,
                        listener=listener, history=history, events=events)
        keys = KeyReader(sys.stdin, clock, inbox, language=routine.language, unknown=lambda text: console.line(
            f"'{text}' is not a command; type h and Enter for help."))
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            keys.start()
            player.run()
        except KeyboardInterrupt:
            player.interrupted()
            console.line("Interrupted. Your session so far is saved." if history else "Interrupted.")
            return ExitCode.INTERRUPTED
    return ExitCode.OK


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


def _open_speaker(routine: Routine, config: SessionConfig, clock: MonotonicClock, inbox: ThreadInbox,
                  own_voice: OwnVoice, console: Console, texts: list[str]) -> Speaker:
    """Speech through the chosen output device, rendering `texts` ahead; text mode (with one sentence
    saying why) when there is no device."""
    if config.text:
        return SilentSpeaker(clock, inbox)
    from voiceguide.adapters.speaker import AudioUnavailable, open_speaker
    from voiceguide.adapters.voices import UnknownVoice
    from voiceguide.settings import SettingsFile

    settings_file = SettingsFile()
    settings = settings_file.load().with_overrides(config.voice, config.rate, config.volume)
    try:
        speaker = open_speaker(inbox.put, clock, own_voice, settings, config.output_device,
                               language=routine.language)
    except UnknownVoice as error:
        raise SessionError(str(error)) from error
    except AudioUnavailable as error:
        console.line(f"{error} Carrying on in text.")
        return SilentSpeaker(clock, inbox)
    speaker.prepare(texts)
    return _TextOnceSilent(speaker, SilentSpeaker(clock, inbox), keep=settings_file.save)


def _open_listener(routine: Routine, config: SessionConfig, clock: MonotonicClock, inbox: ThreadInbox,
                   own_voice: OwnVoice, console: Console) -> MicrophoneListener | None:
    """The microphone's listener, not yet started, after one line saying which engine will listen on which
    microphone; None (after one line saying why) when only keys can work."""
    from voiceguide.adapters.backends import NoListenerError
    from voiceguide.adapters.microphone import microphone_name, open_listener

    try:
        listener, sentence = open_listener(inbox.put, clock, own_voice, routine.language, config.input_device,
                                           config.engine, config.model)
    except NoListenerError as error:
        console.line(str(error))
        return None
    microphone = microphone_name(config.input_device)
    if microphone is None:
        console.line(f"{sentence} No microphone is working yet; keys work, and press Enter for ready.")
    else:
        console.line(f"{sentence} Microphone: {microphone}.")
    return listener


def _open_history(routine: Routine, config: SessionConfig, parts: tuple[Part, ...], console: Console,
                  resources: ExitStack) -> tuple[_ForgivingHistory | None, int]:
    """The session's history recorder and the part to start from (for --resume)."""
    if not config.record_history:
        if config.resume:
            console.line("Without history there is no session to resume; starting from the beginning.")
        return None, 0
    from voiceguide.history import HistoryError, HistoryStore

    try:
        store = resources.enter_context(HistoryStore.open(config.history_file))
    except HistoryError as error:
        console.line(f"{error} The routine goes on without recording.")
        return None, 0
    if store.notice:
        console.line(store.notice)
    start_part, resumes = 0, None
    if config.resume:
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
