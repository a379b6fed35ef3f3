"""A process-wide stdout filter that drops exact lines a library prints (pyttsx3's "Audio saved to ...").

The product's stdout carries the player's lines (and JSON in `hear`), so nothing else may reach it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class DropLines:
    """Stands in for sys.stdout: drops the exact lines it is told to, passes everything else on.

    pyttsx3 2.99 prints "Audio saved to PATH" for every save_to_file, from espeak-ng's own synthesis
    thread (AUDIO_OUTPUT_RETRIEVAL is asynchronous), so neither the thread nor fd 1 can be muted without
    also swallowing the player's lines printed meanwhile. The line is known exactly, so only it goes.

    Once installed it stays, and every one ever made is kept alive: CPython 3.11's print() holds
    sys.stdout as a borrowed reference, so swapping it back and forth under a printing thread freed the
    object mid-print (a segfault, seen here about one run in three).
    """

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._dropping: set[str] = set()
        self._newline_due: set[int] = set()  # threads whose "\n" (print's second write) goes too

    def drop(self, line: str) -> None:
        with self._lock:
            self._dropping.add(line)

    def stop_dropping(self, line: str) -> None:
        with self._lock:
            self._dropping.discard(line)

    def write(self, text: str) -> int:
        thread = threading.get_ident()
        with self._lock:
            if text in self._dropping:
                self._newline_due.add(thread)
                return len(text)
            if text == "\n" and thread in self._newline_due:
                self._newline_due.discard(thread)
                return len(text)
        return self.target.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


_stdout_swap = threading.Lock()
_installed: list[DropLines] = []  # never emptied: see DropLines


@contextmanager
def stdout_without(line: str) -> Iterator[None]:
    with _stdout_swap:
        current = sys.stdout
        if not isinstance(current, DropLines):
            current = DropLines(current)
            _installed.append(current)
            sys.stdout = current  # type: ignore[assignment]
        current.drop(line)
    try:
        yield
    finally:
        current.stop_dropping(line)
