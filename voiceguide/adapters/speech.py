"""Text to speech samples: pyttsx3 (espeak-ng) renders phrases on one dedicated thread, with a cache.

pyttsx3 is used only to *render*: its own playback cannot be interrupted and its timing is
unreliable (pyttsx3 issues #35, #138, #219), so the samples are played by `audio_out`. Rendering is
fast (tens of milliseconds a phrase) but not free, so phrases are cached in memory and on disk, keyed
by text, voice and rate (volume is a gain at playback), and `prepare` renders a routine's phrases in
the background while the first one already plays.

The pyttsx3 engine is created and used only on the renderer thread: espeak-ng is one global state
per process. A synthesis that fails or hangs never blocks the caller beyond its timeout; a hung
engine is reported through `hung` and further uncached requests fail at once until it returns.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import wave
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, InvalidStateError
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import numpy as np

from voiceguide.adapters.audio_out import AudioUnavailable

log = logging.getLogger(__name__)

_CACHE_FORMAT = "1"  # bump when the stored audio changes meaning (e.g. different trimming)
_SILENCE_LEVEL = 64  # int16; espeak-ng's pauses are exact zeros, its quietest speech is far above this
_KEEP_LEAD = 0.005  # seconds of silence kept before the first sound: the first word comes at once
_KEEP_TAIL = 0.10  # seconds kept after the last sound: a short natural gap before the next line
# A synthesis still running after this is given up (the renderer counts as `hung` long before).
_SYNTHESIS_LIMIT = 30.0


class SpeechFailed(RuntimeError):
    """One phrase could not be rendered (error, timeout, or the engine is stuck on an earlier one)."""


class UnknownVoice(ValueError):
    """The requested voice is not installed; the message names it and says how to list voices."""


@dataclass(frozen=True)
class VoiceInfo:
    """An installed espeak-ng voice. `id` is what settings store, e.g. "gmw/en-us"."""

    id: str
    name: str
    languages: tuple[str, ...]

    @property
    def short_id(self) -> str:
        return self.id.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Rendered:
    """A rendered phrase: mono 16-bit samples at `rate`, silence trimmed."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


class Synthesizer(Protocol):
    """Renders text; created and used on the renderer thread only."""

    def voices(self) -> list[VoiceInfo]: ...

    def render(self, text: str, voice: str, rate: int) -> Rendered: ...

    def close(self) -> None: ...


class _DropLines:
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
_installed: list[_DropLines] = []  # never emptied: see _DropLines


@contextmanager
def _stdout_without(line: str) -> Iterator[None]:
    with _stdout_swap:
        current = sys.stdout
        if not isinstance(current, _DropLines):
            current = _DropLines(current)
            _installed.append(current)
            sys.stdout = current  # type: ignore[assignment]
        current.drop(line)
    try:
        yield
    finally:
        current.stop_dropping(line)


def _trimmed(samples: np.ndarray, rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > _SILENCE_LEVEL)
    if not len(loud):
        return samples[:0]
    first = max(0, loud[0] - round(_KEEP_LEAD * rate))
    last = min(len(samples), loud[-1] + 1 + round(_KEEP_TAIL * rate))
    return samples[first:last]


def _read_wav(path: Path) -> Rendered:
    with wave.open(str(path)) as reader:
        if reader.getnchannels() != 1 or reader.getsampwidth() != 2:
            raise ValueError(f"{path} is not 16-bit mono")
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        return Rendered(samples, reader.getframerate())


def _write_wav(path: Path, rendered: Rendered) -> None:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rendered.rate)
        writer.writeframes(rendered.samples.astype("<i2").tobytes())


class Pyttsx3Synthesizer:
    """pyttsx3's espeak-ng driver rendering to a WAV file in a private folder, read back as samples.

    The driver is racy around espeak-ng's own synthesis thread, so this class keeps to a sequence that
    measured clean (900 mixed renderings, no empty or wrongly paced file; without it about 4% came out
    empty): voice and rate are set straight through espeak-ng and synchronized before rendering
    (pyttsx3's setProperty defers them into runAndWait, where its stop() cancels the pending change
    and the new synthesis with it); after rendering, wait for the driver's finished-utterance notice
    (runAndWait may return before the file is written) and for espeak-ng to go idle.
    """

    def __init__(self) -> None:
        try:
            import pyttsx3
            from pyttsx3.drivers import _espeak

            self._engine = pyttsx3.init("espeak")
        except Exception as error:  # pyttsx3 raises whatever its driver import raised
            raise AudioUnavailable(
                f"The speech engine could not start (is espeak-ng installed?): {error}."
            ) from error
        self._espeak = _espeak  # pyttsx3's ctypes binding of the espeak-ng C API
        self._folder = Path(tempfile.mkdtemp(prefix="voiceguide-tts-"))
        self._voice: str | None = None
        self._rate: int | None = None
        self._finished = threading.Event()
        self._engine.connect("finished-utterance", lambda **_: self._finished.set())

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo(voice.id, voice.name, tuple(voice.languages or ()))
            for voice in self._engine.getProperty("voices")
        ]

    def render(self, text: str, voice: str, rate: int) -> Rendered:
        if (voice, rate) != (self._voice, self._rate):
            if self._espeak.SetVoiceByName(voice.encode()) != 0:
                raise SpeechFailed(f"espeak-ng has no voice {voice!r}")
            self._espeak.SetParameter(self._espeak.RATE, rate, 0)
            self._espeak.Synchronize()
            self._voice, self._rate = voice, rate
        path = self._folder / "phrase.wav"
        path.unlink(missing_ok=True)
        self._finished.clear()
        with _stdout_without(f"Audio saved to {path}"):
            self._engine.save_to_file(text, str(path))
            self._engine.runAndWait()
            finished = self._finished.wait(_SYNTHESIS_LIMIT)
            if finished:
                self._espeak.Synchronize()
        if not finished or not path.exists():
            raise SpeechFailed(f"espeak-ng produced no audio for {text!r}")
        return _read_wav(path)

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)


def list_voices(language: str | None = None) -> list[VoiceInfo]:
    """Installed voices, those of `language` only if given ("en" also matches "en-us", "en-gb"...).

    Creates a pyttsx3 engine on the calling thread: for `voiceguide voices`, not while a speaker runs.
    """
    synthesizer = Pyttsx3Synthesizer()
    try:
        voices = synthesizer.voices()
    finally:
        synthesizer.close()
    if language is None:
        return voices
    return [voice for voice in voices if _speaks(voice, language)]


def _speaks(voice: VoiceInfo, language: str) -> bool:
    wanted = language.lower()
    return any(
        code.lower() == wanted or code.lower().startswith(wanted + "-") for code in voice.languages
    ) or (voice.short_id.lower() == wanted)


def resolve_voice(wanted: str | None, language: str, voices: list[VoiceInfo]) -> VoiceInfo:
    """The voice a setting names (id, short id, name or language code), or the language's own voice.

    For a language, the voice whose short id is the language code wins (espeak-ng's "en" is its
    reference English), then one that lists the language exactly, then a regional variant.
    """
    if wanted is not None:
        key = wanted.strip().lower()
        for matches in (
            lambda v: v.id.lower() == key,
            lambda v: v.short_id.lower() == key,
            lambda v: v.name.lower() == key,
            lambda v: key in (code.lower() for code in v.languages),
        ):
            found = [voice for voice in voices if matches(voice)]
            if found:
                return found[0]
        raise UnknownVoice(
            f"There is no voice called {wanted!r}; 'voiceguide voices' lists the installed ones."
        )
    key = language.lower()
    for matches in (
        lambda v: v.short_id.lower() == key,
        lambda v: key in (code.lower() for code in v.languages),
        lambda v: _speaks(v, key),
    ):
        found = [voice for voice in voices if matches(voice)]
        if found:
            return found[0]
    raise UnknownVoice(
        f"No installed voice speaks {language!r}; 'voiceguide voices' lists the installed ones."
    )


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
            found = _read_wav(path)
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
            _write_wav(partial, rendered)
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


@dataclass
class _Job:
    text: str
    voice: str
    rate: int
    key: str
    future: Future[Rendered]


class Renderer:
    """One thread that owns the synthesizer; urgent requests (about to be said) go before `prepare`d ones.

    `make_synthesizer` is called on that thread. `timeout` bounds both the start of the synthesizer
    and any single rendering: past it the engine counts as hung.
    """

    def __init__(
        self,
        make_synthesizer: Callable[[], Synthesizer],
        cache: PhraseCache,
        timeout: float = 4.0,
    ) -> None:
        self._make_synthesizer = make_synthesizer
        self._cache = cache
        self.timeout = timeout
        self._lock = threading.Condition()
        self._urgent: deque[_Job] = deque()
        self._background: deque[_Job] = deque()
        self._jobs: dict[str, _Job] = {}
        self._busy_since: float | None = None
        self._closing = False
        self._ready: Future[list[VoiceInfo]] = Future()
        self._thread = threading.Thread(target=self._run, name="speech-renderer", daemon=True)

    def start(self) -> None:
        """Start the thread; the synthesizer starts on it while the caller gets on with other work."""
        self._thread.start()

    def voices(self) -> list[VoiceInfo]:
        """The installed voices, once the synthesizer runs; raises AudioUnavailable if it cannot start."""
        try:
            return self._ready.result(timeout=self.timeout)
        except TimeoutError as error:
            raise AudioUnavailable(
                f"The speech engine did not start within {self.timeout:g} seconds."
            ) from error

    @property
    def hung(self) -> bool:
        """True while one rendering has taken longer than the timeout."""
        with self._lock:
            return self._busy_since is not None and time.monotonic() - self._busy_since > self.timeout

    def request(self, text: str, voice: str, rate: int, urgent: bool = True) -> Future[Rendered]:
        """The rendered phrase, at once from memory, else as soon as the thread gets to it."""
        key = PhraseCache.key(text, voice, rate)
        cached = self._cache.in_memory(key)
        if cached is not None:
            done: Future[Rendered] = Future()
            done.set_result(cached)
            return done
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = _Job(text, voice, rate, key, Future())
                if self.hung or self._closing:
                    job.future.set_exception(SpeechFailed("the speech engine is not responding"))
                    return job.future
                self._jobs[key] = job
                (self._urgent if urgent else self._background).append(job)
            elif urgent:
                self._urgent.append(job)  # promoted; the stale background entry is skipped when done
            self._lock.notify()
            return job.future

    def prepare(self, texts: Iterable[str], voice: str, rate: int) -> None:
        """Render these in the background, after anything urgent."""
        for text in dict.fromkeys(texts):
            self.request(text, voice, rate, urgent=False)

    def _next_job(self) -> _Job | None:
        with self._lock:
            while not self._closing:
                for queue in (self._urgent, self._background):
                    while queue:
                        job = queue.popleft()
                        if not job.future.done():
                            self._busy_since = time.monotonic()
                            return job
                self._lock.wait()
            return None

    def _run(self) -> None:
        try:
            synthesizer = self._make_synthesizer()
            self._ready.set_result(synthesizer.voices())
        except Exception as error:  # noqa: BLE001 - whatever stops the engine starting means: no speech, text only
            self._ready.set_exception(
                error
                if isinstance(error, AudioUnavailable)
                else AudioUnavailable(f"The speech engine failed: {error}.")
            )
            return
        try:
            while (job := self._next_job()) is not None:
                self._render(synthesizer, job)
        finally:
            synthesizer.close()
            self._cache.prune()  # at the end, so it never delays a first word

    def _render(self, synthesizer: Synthesizer, job: _Job) -> None:
        try:
            rendered = self._cache.load(job.key)
            if rendered is None:
                raw = synthesizer.render(job.text, job.voice, job.rate)
                rendered = Rendered(_trimmed(raw.samples, raw.rate), raw.rate)
                self._cache.store(job.key, rendered)
        except Exception as error:  # noqa: BLE001 - a phrase that cannot be rendered is shown as text, not fatal
            log.warning("could not render %r: %s", job.text, error)
            _settle(job.future, error=SpeechFailed(str(error)))
        else:
            _settle(job.future, result=rendered)
        finally:
            with self._lock:
                self._busy_since = None
                self._jobs.pop(job.key, None)

    def close(self) -> None:
        """Stop after the current rendering; pending requests fail. A hung thread is left behind (daemon)."""
        with self._lock:
            self._closing = True
            pending = list(self._jobs.values())
            self._jobs.clear()
            self._urgent.clear()
            self._background.clear()
            self._lock.notify_all()
        for job in pending:
            _settle(job.future, error=SpeechFailed("the speaker was closed"))
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)


def _settle(future: Future[Rendered], result: Rendered | None = None, error: Exception | None = None) -> None:
    """Complete `future` unless close() already failed it (both threads may race to settle it)."""
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]
    except InvalidStateError:
        pass
