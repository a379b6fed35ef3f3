"""The command line: subcommands, exit codes, and building the adapters. The only place that exits.

Exit codes: 0 ok, 2 usage, 65 invalid routine or input, 66 routine or file not found,
69 no usable audio or engine where one was required, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import __version__
from voiceguide.adapters.backends import engine_names
from voiceguide.commands import HELP_LINES, key_for
from voiceguide.console import clock_stamp
from voiceguide.exit_codes import ExitCode
from voiceguide.plan import CueMode, Intro
from voiceguide.routine import Routine, RoutineError, json_schema, load_routine
from voiceguide.settings import RATE_MAX, RATE_MIN, VOLUME_MAX, VOLUME_MIN

if TYPE_CHECKING:
    from voiceguide.session import SessionConfig

SUBCOMMANDS = ("list", "show", "validate", "schema", "history", "hear", "models", "voices", "devices")


def _spoken_commands_help() -> str:
    lines = [f"  {command.value:<8} key {key_for(command):<6} {meaning}" for command, meaning in HELP_LINES]
    return "\n".join(lines)


EPILOG = f"""\
other commands:
  voiceguide list                 the routines you can run
  voiceguide show NAME            a routine as plain text
  voiceguide validate FILE...     check routine files
  voiceguide schema               the JSON Schema of routine files
  voiceguide history              your past sessions (--csv, --plot FILE.png, --say)
  voiceguide voices [LANG]        the installed voices
  voiceguide devices              the sound devices, for --output-device and --input-device
  voiceguide models list|download LANG|path [LANG]
                                  speech models for listening
  voiceguide hear FILE.wav...     the commands the recognizer hears in recordings (JSON lines)

while a routine runs, say a command (or type its key or word, then Enter):
{_spoken_commands_help()}
  pain numbers: say or type 0 to 10 when asked.

exit codes: 0 ok, 2 usage, 65 invalid routine, 66 routine not found,
69 no usable audio or engine where one was required, 130 interrupted.
"""


class _Parser(argparse.ArgumentParser):
    """argparse with our exit code for usage errors and one plain line of explanation."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ExitCode.USAGE, f"{self.prog}: {message}; see '{self.prog} --help'.\n")


def _run_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="voiceguide",
        description="Speaks an exercise routine aloud and follows your voice, with no screen and no hands.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"voiceguide {__version__}")
    parser.add_argument("routine", metavar="NAME|PATH", help="a routine name (see 'voiceguide list') or a .yaml file")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--preview", action="store_true",
                      help="run on a simulated clock at once and print the timed transcript and total duration")
    mode.add_argument("--text", action="store_true", help="run in real time as plain text lines, without audio")
    parser.add_argument("--brief", action="store_true", help="speak the short form of each instruction")
    parser.add_argument("--intro", choices=[intro.value for intro in Intro],
                        help="the full introduction and safety notes, or the short start of later sessions "
                             "(default: full the first time a routine is played, short after that)")
    parser.add_argument("--no-checkin", dest="checkins", action="store_false",
                        help="do not ask about pain before and after the routine")
    parser.add_argument("--cues", choices=[mode.value for mode in CueMode], default=CueMode.SPEECH.value,
                        help="mark the last seconds of a hold with speech, tones or both (default: speech)")
    parser.add_argument("--events", metavar="FILE", type=Path, help="write a diagnostic JSON-lines event log")
    parser.add_argument("--resume", action="store_true",
                        help="continue today's interrupted or quit session of this routine where it stopped")
    _add_history_file_options(parser)
    parser.add_argument("--no-history", dest="record_history", action="store_false",
                        help="do not record this session")
    voice = parser.add_argument_group("speech")
    voice.add_argument("--voice", metavar="NAME", help="the voice to speak with (see 'voiceguide voices')")
    voice.add_argument("--rate", type=_rate, metavar="WPM",
                       help=f"words per minute, {RATE_MIN} to {RATE_MAX} (saying 'slower' or 'faster' also saves it)")
    voice.add_argument("--volume", type=_volume, metavar="GAIN",
                       help=f"loudness as a gain, {VOLUME_MIN} to {VOLUME_MAX}; 1 is the voice's own level")
    voice.add_argument("--output-device", type=_device, metavar="NAME|INDEX",
                       help="where to play (see 'voiceguide devices'; default: the system's)")
    listening = parser.add_argument_group("listening")
    listening.add_argument("--input-device", type=_device, metavar="NAME|INDEX",
                           help="the microphone (see 'voiceguide devices'; default: the system's)")
    listening.add_argument("--engine", choices=engine_names(),
                           help="the recognizer (default: vosk when a model is installed, else pocketsphinx)")
    listening.add_argument("--model", metavar="DIR", type=Path, help="a vosk model folder to listen with")
    listening.add_argument("--keys-only", action="store_true", help="do not listen; take commands from the keyboard")
    return parser


def _rate(text: str) -> int:
    if not text.isdigit() or not RATE_MIN <= int(text) <= RATE_MAX:
        raise argparse.ArgumentTypeError(f"the rate is words per minute, a whole number from {RATE_MIN} to {RATE_MAX}")
    return int(text)


def _volume(text: str) -> float:
    try:
        gain = float(text)
    except ValueError:
        gain = float("nan")
    if not VOLUME_MIN <= gain <= VOLUME_MAX:
        raise argparse.ArgumentTypeError(f"the volume is a gain from {VOLUME_MIN} to {VOLUME_MAX}, for example 0.8")
    return gain


def _device(text: str) -> int | str:
    """A device index (as 'voiceguide devices' shows it) or a part of its name."""
    return int(text) if text.isdigit() else text


def _add_history_file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--history", metavar="FILE", type=Path, dest="history_file",
                        help="the history database to use (default: history.sqlite3 in your user data folder)")


def _session_count(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of sessions; give a whole number, 1 or more")
    return int(text)


def _subcommand_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="voiceguide")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="the routines you can run")
    show = commands.add_parser("show", help="a routine as plain text")
    show.add_argument("routine", metavar="NAME|PATH")
    validate = commands.add_parser("validate", help="check routines, by name or file")
    validate.add_argument("routines", metavar="NAME|PATH", nargs="+")
    commands.add_parser("schema", help="the JSON Schema of routine files")
    history = commands.add_parser("history", help="your past sessions, most recent first")
    _add_history_file_options(history)
    history.add_argument("--limit", type=_session_count, metavar="N", help="only the N most recent sessions")
    shape = history.add_mutually_exclusive_group()
    shape.add_argument("--csv", action="store_true", help="everything as CSV, for a spreadsheet")
    shape.add_argument("--plot", metavar="FILE.png", type=Path, help="draw pain and sessions over time")
    shape.add_argument("--say", action="store_true", help="speak one summary sentence about the past 7 days")
    voices = commands.add_parser("voices", help="the installed voices")
    voices.add_argument("language", metavar="LANG", nargs="?", default="en",
                        help="only voices of this language (default: en; 'all' for every voice)")
    commands.add_parser("devices", help="the sound devices")
    models = commands.add_parser("models", help="speech models for listening")
    models.add_argument("action", choices=("list", "download", "path"))
    models.add_argument("language", metavar="LANG", nargs="?")
    models.add_argument("--model", metavar="DIR", type=Path, help="look in this model folder first")
    hear = commands.add_parser("hear", help="the commands the recognizer hears in 16-bit mono WAV files")
    hear.add_argument("files", metavar="FILE.wav", nargs="+")
    hear.add_argument("--engine", choices=engine_names())
    hear.add_argument("--lang", default="en", metavar="LANG", help="the language of the commands (default: en)")
    hear.add_argument("--model", metavar="DIR", type=Path, help="a vosk model folder")
    hear.add_argument("--numbers", action="store_true", help="also hear numbers, as in a pain check-in")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            options = _subcommand_parser().parse_args(args)
            handlers = {"list": _list, "show": _show, "validate": _validate, "schema": _schema, "history": _history,
                        "hear": _hear, "models": _models, "voices": _voices, "devices": _devices}
            return handlers[options.command](options)
        return _run(_run_parser().parse_args(args))
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except SystemExit as leaving:  # argparse's --help, --version and usage errors
        return leaving.code if isinstance(leaving.code, int) else ExitCode.USAGE
    except BrokenPipeError:
        return ExitCode.OK


def _problem_exit(error: RoutineError) -> ExitCode:
    for problem in error.problems:
        print(problem, file=sys.stderr)
    return ExitCode.NOT_FOUND if error.missing else ExitCode.INVALID


def _load(name_or_path: str) -> Routine:
    from voiceguide.library import locate

    return load_routine(locate(name_or_path))


# ----- subcommands ---------------------------------------------------------------------------


def _list(options: argparse.Namespace) -> ExitCode:
    from voiceguide.library import available
    from voiceguide.preview import preview

    for entry in available():
        try:
            routine = load_routine(entry.path)
        except RoutineError as error:
            print(f"{entry.name}  (cannot be used: {error.problems[0]})")
            continue
        minutes = max(1, round(preview(routine).total_seconds / 60))
        print(f"{entry.name}  {routine.title}  about {minutes} min  ({entry.origin})")
    return ExitCode.OK


def _show(options: argparse.Namespace) -> ExitCode:
    from voiceguide.show import describe

    try:
        routine = _load(options.routine)
    except RoutineError as error:
        return _problem_exit(error)
    print(describe(routine))
    return ExitCode.OK


def _validate(options: argparse.Namespace) -> ExitCode:
    invalid = missing = False
    for name_or_path in options.routines:
        try:
            _load(name_or_path)
        except RoutineError as error:
            for problem in error.problems:
                print(problem)
            missing |= error.missing
            invalid |= not error.missing
        else:
            print(f"{name_or_path}: OK")
    return ExitCode.INVALID if invalid else ExitCode.NOT_FOUND if missing else ExitCode.OK


def _schema(options: argparse.Namespace) -> ExitCode:
    print(json.dumps(json_schema(), indent=2))
    return ExitCode.OK


def _history(options: argparse.Namespace) -> ExitCode:
    from voiceguide import history_report
    from voiceguide.history import HistoryError, HistoryStore

    try:
        with HistoryStore.open(options.history_file) as store:
            if store.notice:
                print(store.notice, file=sys.stderr)
            sessions = store.sessions(limit=options.limit)
    except HistoryError as error:
        print(error, file=sys.stderr)
        return ExitCode.UNAVAILABLE
    if options.csv:
        sys.stdout.write(history_report.to_csv(sessions))
    elif options.plot:
        folder = options.plot.parent
        if not folder.is_dir():
            print(f"Cannot draw to {options.plot}: there is no folder {folder}; create it or choose another "
                  "path.", file=sys.stderr)
            return ExitCode.USAGE
        try:
            history_report.plot(sessions, options.plot)
        except history_report.PlotUnavailable as error:
            print(error, file=sys.stderr)
            return ExitCode.UNAVAILABLE
        except OSError as error:
            print(f"Cannot draw to {options.plot}: {error.strerror or error}; choose another path.", file=sys.stderr)
            return ExitCode.USAGE
        print(f"Drawn to {options.plot}.")
    elif options.say:
        from voiceguide.session import say_once

        say_once(history_report.summary_sentence(sessions))
    else:
        print("\n".join(history_report.text_lines(sessions)))
    return ExitCode.OK


def _hear(options: argparse.Namespace) -> ExitCode:
    from voiceguide.hear import hear

    return hear(options.files, options.engine, options.lang, options.model, options.numbers)


def _models(options: argparse.Namespace) -> ExitCode:
    from voiceguide.adapters.models import models_command

    return models_command(options.action, options.language, options.model)


def _voices(options: argparse.Namespace) -> ExitCode:
    from voiceguide.adapters.audio_out import AudioUnavailable
    from voiceguide.adapters.voices import list_voices

    try:
        voices = list_voices(None if options.language == "all" else options.language)
    except AudioUnavailable as error:
        print(error, file=sys.stderr)
        return ExitCode.UNAVAILABLE
    if not voices:
        print(f"No installed voice speaks {options.language!r}; 'voiceguide voices all' lists every voice.")
    for voice in voices:
        print(f"{voice.short_id}  {voice.name}  ({', '.join(voice.languages)})")
    return ExitCode.OK


def _devices(options: argparse.Namespace) -> ExitCode:
    from voiceguide.adapters.audio_out import AudioUnavailable, list_devices

    try:
        devices = list_devices()
    except AudioUnavailable as error:
        print(error, file=sys.stderr)
        return ExitCode.UNAVAILABLE
    if not devices:
        print("No sound devices were found.")
    for device in devices:
        roles = [role for role, channels in (("output", device.outputs), ("input", device.inputs)) if channels]
        defaults = [role for role, default in (("output", device.default_output), ("input", device.default_input))
                    if default]
        marks = f"  default {' and '.join(defaults)}" if defaults else ""
        print(f"{device.index}  {device.name}  ({device.host_api}; {', '.join(roles)}){marks}")
    return ExitCode.OK


# ----- running a routine ---------------------------------------------------------------------


def _run(options: argparse.Namespace) -> ExitCode:
    try:
        routine = _load(options.routine)
    except RoutineError as error:
        return _problem_exit(error)
    config = _session_config(options, routine)
    if options.preview:
        from voiceguide.preview import preview

        result = preview(routine, brief=config.brief, checkins=config.checkins, cue_mode=config.cue_mode,
                         intro=config.intro)
        sys.stdout.write(result.transcript)
        print(f"Total: {clock_stamp(result.total_seconds)[1:-1]} ({result.total_seconds:.0f} seconds)")
        return ExitCode.OK
    from voiceguide.session import SessionError, run_session

    try:
        return run_session(routine, config)
    except SessionError as error:
        print(error, file=sys.stderr)
        return ExitCode.USAGE


def _session_config(options: argparse.Namespace, routine: Routine) -> SessionConfig:
    """The run's arguments as a typed, frozen config: nothing past this point sees argparse."""
    from voiceguide.history import played_before
    from voiceguide.session import SessionConfig

    if options.intro:
        intro = Intro(options.intro)
    else:  # without history, a session starts as a first one does: the history is not even read
        played = options.record_history and played_before(routine.name, options.history_file)
        intro = Intro.SHORT if played else Intro.FULL
    return SessionConfig(
        intro=intro,
        brief=options.brief, checkins=options.checkins, cue_mode=CueMode(options.cues), text=options.text,
        events=options.events, resume=options.resume, history_file=options.history_file,
        record_history=options.record_history, voice=options.voice, rate=options.rate, volume=options.volume,
        output_device=options.output_device, input_device=options.input_device, engine=options.engine,
        model=options.model, keys_only=options.keys_only,
    )
