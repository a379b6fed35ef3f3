"""The exit codes of every voiceguide command, as documented in the README and `voiceguide --help`."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    USAGE = 2  # a command line that cannot be run as written
    INVALID = 65  # an invalid routine (or other input file)
    NOT_FOUND = 66  # no such routine or file
    UNAVAILABLE = 69  # no usable audio or engine where one was required
    INTERRUPTED = 130  # Ctrl-C or a signal
