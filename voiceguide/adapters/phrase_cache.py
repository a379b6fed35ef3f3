"""Rendered phrases kept in memory and on disk, so the second session starts speaking without rendering."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import wave
from collections import OrderedDict
from pathlib import Path

from voiceguide.adapters.synthesis import Rendered, read_wav, write_wav

log = logging.getLogger(__name__)

_CACHE_FORMAT = "1"  # bump when the stored audio changes meaning (e.g. different trimming)


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("voiceguide")) / "speech"


class PhraseCache:
    """Rendered phrases in memory (least recently used dropped past `memory_bytes`) and as WAVs on disk.

    The disk copy makes the second session start speaking without rendering anything. A folder that
    cannot be written is logged once and the cache carries on in memory. `prune` keeps the folder
    under `disk_bytes` (every rate a person tried leaves its own copy of each phrase).
    """

    def __init__(
        self, folder: Path | None, memory_bytes: int = 64 * 1024 * 1024, disk_bytes: int = 256 * 1024 * 1024
    ) -> None:
        self._folder = folder
        self._limit = memory_bytes
        self._disk_limit = disk_bytes
        self._used = 0
        self._memory: OrderedDict[str, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str, voice: str, rate: int) -> str:
        return hashlib.sha256(f"{_CACHE_FORMAT}\n{voice}\n{rate}\n{text}".encode()).hexdigest()[:32]

    def in_memory(self, key: str) -> Rendered | None:
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
            return found

    def load(self, key: str) -> Rendered | None:
        """From memory, else from disk (then kept in memory)."""
        found = self.in_memory(key)
        if found is not None or self._folder is None:
            return found
        path = self._folder / f"{key}.wav"
        try:
            found = read_wav(path)
        except FileNotFoundError:
            return None
        except (OSError, EOFError, ValueError, wave.Error) as error:
            log.warning("ignoring the damaged cached phrase %s: %s", path, error)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # marks it recently used for prune()
        self._remember(key, found)
        return found

    def prune(self) -> None:
        """Delete the least recently used phrases on disk until the folder is under its limit."""
        if self._folder is None:
            return
        try:
            files = [
                (entry.stat().st_mtime, entry.stat().st_size, entry) for entry in self._folder.glob("*.wav")
            ]
        except OSError:
            return
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files, key=lambda file: file[0]):
            if total <= self._disk_limit:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size

    def store(self, key: str, rendered: Rendered) -> None:
        self._remember(key, rendered)
        if self._folder is None:
            return
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            partial = self._folder / f".{key}.{threading.get_ident()}.tmp"
            write_wav(partial, rendered)
            partial.replace(self._folder / f"{key}.wav")
        except OSError as error:
            log.warning("not caching phrases on disk in %s: %s", self._folder, error)
            self._folder = None

    def _remember(self, key: str, rendered: Rendered) -> None:
        with self._lock:
            if key in self._memory:
                return
            self._memory[key] = rendered
            self._used += rendered.samples.nbytes
            while self._used > self._limit and len(self._memory) > 1:
                _, dropped = self._memory.popitem(last=False)
                self._used -= dropped.samples.nbytes
