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

from voiceguide import __version__
from voiceguide.commands import HELP_LINES, key_for
from voiceguide.console import clock_stamp
from voiceguide.plan import CueMode
from voiceguide.routine import Routine, RoutineError, json_schema, load_routine

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INVALID = 65
EXIT_NOT_FOUND = 66
EXIT_UNAVAILABLE = 69
EXIT_INTERRUPTED = 130

SUBCOMMANDS = ("list", "show", "validate", "schema")


def _spoken_commands_help() -> str:
    lines = [f"  {command.value:<8} key {key_for(command):<6} {meaning}" for command, meaning in HELP_LINES]
    return "\n".join(lines)


EPILOG = f"""\
other commands:
  voiceguide list                 the routines you can run
  voiceguide show NAME            a routine as plain text
  voiceguide validate FILE...     check routine files
  voiceguide schema               the JSON Schema of routine files

while a routine runs, say a command (or type its key or word, then Enter):
{_spoken_commands_help()}
  pain numbers: say or type 0 to 10 when asked.

exit codes: 0 ok, 2 usage, 65 invalid routine, 66 routine not found,
69 no usable audio or engine where one was required, 130 interrupted.
"""


class _Parser(argparse.ArgumentParser):
    """argparse with our exit code for usage errors and one plain line of explanation."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message}; see '{self.prog} --help'.\n")


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
    parser.add_argument("--no-checkin", dest="checkins", action="store_false",
                        help="do not ask about pain before and after the routine")
    parser.add_argument("--cues", choices=[mode.value for mode in CueMode], default=CueMode.SPEECH.value,
                        help="mark the last seconds of a hold with speech, tones or both (default: speech)")
    parser.add_argument("--events", metavar="FILE", type=Path, help="write a diagnostic JSON-lines event log")
    return parser


def _subcommand_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="voiceguide")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="the routines you can run")
    show = commands.add_parser("show", help="a routine as plain text")
    show.add_argument("routine", metavar="NAME|PATH")
    validate = commands.add_parser("validate", help="check routine files")
    validate.add_argument("files", metavar="FILE", nargs="+", type=Path)
    commands.add_parser("schema", help="the JSON Schema of routine files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            options = _subcommand_parser().parse_args(args)
            return {"list": _list, "show": _show, "validate": _validate, "schema": _schema}[options.command](options)
        return _run(_run_parser().parse_args(args))
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as leaving:  # argparse's --help, --version and usage errors
        return leaving.code if isinstance(leaving.code, int) else EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


def _problem_exit(error: RoutineError) -> int:
    for problem in error.problems:
        print(problem, file=sys.stderr)
    return EXIT_NOT_FOUND if error.missing else EXIT_INVALID


def _load(name_or_path: str) -> Routine:
    from voiceguide.library import locate

    return load_routine(locate(name_or_path))


# ----- subcommands ---------------------------------------------------------------------------


def _list(options: argparse.Namespace) -> int:
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
    return EXIT_OK


def _show(options: argparse.Namespace) -> int:
    from voiceguide.show import describe

    try:
        routine = _load(options.routine)
    except RoutineError as error:
        return _problem_exit(error)
    print(describe(routine))
    return EXIT_OK


def _validate(options: argparse.Namespace) -> int:
    invalid = missing = False
    for path in options.files:
        try:
            load_routine(path)
        except RoutineError as error:
            for problem in error.problems:
                print(problem)
            missing |= error.missing
            invalid |= not error.missing
        else:
            print(f"{path}: OK")
    return EXIT_INVALID if invalid else EXIT_NOT_FOUND if missing else EXIT_OK


def _schema(options: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


# ----- running a routine ---------------------------------------------------------------------


def _run(options: argparse.Namespace) -> int:
    try:
        routine = _load(options.routine)
    except RoutineError as error:
        return _problem_exit(error)
    cue_mode = CueMode(options.cues)
    if options.preview:
        from voiceguide.preview import preview

        result = preview(routine, brief=options.brief, checkins=options.checkins, cue_mode=cue_mode)
        sys.stdout.write(result.transcript)
        print(f"Total: {clock_stamp(result.total_seconds)[1:-1]} ({result.total_seconds:.0f} seconds)")
        return EXIT_OK
    from voiceguide.session import run_session

    return run_session(routine, options, cue_mode)
