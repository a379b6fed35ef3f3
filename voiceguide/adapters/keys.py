"""Commands from the keyboard or a pipe: one line each, a key, a command word or a phrase.

Reading happens on a daemon thread that only posts events; end of input simply ends the reading
(it is not a command), so a routine driven by a pipe goes on when the pipe is exhausted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TextIO

from voiceguide.commands import parse_number, parse_typed
from voiceguide.messages import Heard, HeardNumber
from voiceguide.ports import Clock, Inbox


class KeyReader:
    def __init__(
        self, stream: TextIO, clock: Clock, inbox: Inbox, *, language: str, unknown: Callable[[str], None]
    ) -> None:
        """`unknown` is told about a line that is no command, so the person learns what to type."""
        self._stream = stream
        self._clock = clock
        self._inbox = inbox
        self._language = language
        self._unknown = unknown

    def start(self) -> None:
        threading.Thread(target=self._read, name="voiceguide-keys", daemon=True).start()

    def _read(self) -> None:
        for line in self._stream:
            text = line.strip()
            if (number := parse_number(text, self._language)) is not None:
                self._inbox.put(HeardNumber(number, self._clock.now(), text, "keys"))
            elif (command := parse_typed(text, self._language)) is not None:
                self._inbox.put(Heard(command, self._clock.now(), text, "keys"))
            else:
                self._unknown(text)
