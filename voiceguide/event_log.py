"""The diagnostic event log (`--events FILE`): one JSON object a line, stamped with the monotonic clock.

Tests read it beside recorded audio to check what happened and when; users attach it to bug reports.
"""

from __future__ import annotations

import json
from typing import Any, TextIO


class EventLog:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, at: float, event: str, **fields: Any) -> None:
        record = {"t": round(at, 4), "event": event, **fields}
        self._stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()
