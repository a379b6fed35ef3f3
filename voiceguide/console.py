"""Plain text lines for everything the player says, so screen readers and people watching are served.

No colour, no cursor movement, no spinners: one line per utterance, flushed at once.
"""

from __future__ import annotations

from typing import TextIO


def clock_stamp(seconds: float) -> str:
    """`[mm:ss]` for a preview transcript (hours fold into minutes)."""
    whole = max(0, round(seconds))
    return f"[{whole // 60:02d}:{whole % 60:02d}]"


class Console:
    def __init__(self, stream: TextIO, *, stamp_from: float | None = None) -> None:
        """With `stamp_from`, each line is prefixed with the time since then (the preview)."""
        self._stream = stream
        self._stamp_from = stamp_from

    def line(self, text: str, at: float | None = None) -> None:
        if self._stamp_from is not None and at is not None:
            text = f"{clock_stamp(at - self._stamp_from)} {text}"
        self._stream.write(text + "\n")
        self._stream.flush()
