"""Text to speech samples: one dedicated thread renders phrases with a synthesizer, through a cache.

Rendering is fast (tens of milliseconds a phrase with espeak-ng) but not free, so phrases are cached in
memory and on disk, keyed by text, voice and rate (volume is a gain at playback), and `prepare`
renders a routine's phrases in the background while the first one already plays.

The synthesizer is created and used only on the renderer thread: espeak-ng is one global state per
process. A synthesis that fails or hangs never blocks the caller beyond its timeout; a hung engine is
reported through `hung` and further uncached requests fail at once until it returns.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass

import numpy as np

from voiceguide.adapters.audio_out import AudioUnavailable
from voiceguide.adapters.phrase_cache import PhraseCache
from voiceguide.adapters.synthesis import Rendered, SpeechFailed, Synthesizer, VoiceInfo

log = logging.getLogger(__name__)

_SILENCE_LEVEL = 64  # int16; espeak-ng's pauses are exact zeros, its quietest speech is far above this
_KEEP_LEAD = 0.005  # seconds of silence kept before the first sound: the first word comes at once
_KEEP_TAIL = 0.10  # seconds kept after the last sound: a short natural gap before the next line
_WORDS_PER_TIMEOUT = 40
# A rendering past its allowance still counts as working while its thread gets at least this share of the
# time on a CPU (a busy machine gives it a quarter or more); a wedged engine gets none ...
_WORKING_SHARE = 0.05
# ... but even a working one is given up after this many allowances.
_GIVE_UP_AFTER = 10
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def sentences(text: str) -> list[str]:
    """`text` in sentences, each rendered and played as it comes.

    Why: a line is heard only once it is rendered, and an introduction is a minute of speech. Rendered
    whole, its first word came 0.2-0.45 s later with espeak-ng and 8 s later with piper on a first run;
    sentence by sentence, the next renders while the first plays.
    """
    return [part for part in _SENTENCE_END.split(text.strip()) if part] or [text]


def _trimmed(samples: np.ndarray, rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > _SILENCE_LEVEL)
    if not len(loud):
        return samples[:0]
    first = max(0, loud[0] - round(_KEEP_LEAD * rate))
    last = min(len(samples), loud[-1] + 1 + round(_KEEP_TAIL * rate))
    return samples[first:last]


@dataclass
class _Job:
    text: str
    voice: str
    rate: int
    key: str
    future: Future[Rendered]


class Renderer:
    """One thread that owns the synthesizer; urgent requests (about to be said) go before `prepare`d ones.

    `make_synthesizer` is called on that thread. `timeout` bounds the start of the synthesizer and the
    rendering of an ordinary phrase (`_allowance` gives long texts proportionally more): past it the
    engine counts as hung unless its thread is still working (see `hung`).
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
        self._busy_since: float | None = None  # when the rendering in progress (or the start) began
        self._busy_cpu = 0.0
        self._busy_allowance = timeout
        # The renderer thread's CPU-time clock, once it runs: the same clock its own time.thread_time() reads.
        self._cpu_clock: int | None = None
        self._closing = False
        self._ready: Future[list[VoiceInfo]] = Future()
        self._thread = threading.Thread(target=self._run, name="speech-renderer", daemon=True)

    def start(self) -> None:
        """Start the thread; the synthesizer starts on it while the caller gets on with other work."""
        with self._lock:
            self._busy_since = time.monotonic()
        self._thread.start()

    def voices(self) -> list[VoiceInfo]:
        """The installed voices, once the synthesizer runs; raises AudioUnavailable if it cannot start."""
        while True:
            try:
                return self._ready.result(timeout=0.05)
            except TimeoutError as error:
                if self.hung:
                    raise AudioUnavailable("The speech engine stopped responding while it started.") from error

    @property
    def hung(self) -> bool:
        """True while one rendering (or the synthesizer's start) has gone past its allowance without working.

        A busy machine slows rendering down without stopping it: its thread still gets CPU time, and the
        words are worth waiting for (piper's start took 3 s beside four busy processes, against 0.6 s). A
        wedged engine gets no CPU time at all.
        """
        with self._lock:
            if self._busy_since is None:
                return False
            elapsed = time.monotonic() - self._busy_since
            if elapsed <= self._busy_allowance:
                return False
            if elapsed > _GIVE_UP_AFTER * self._busy_allowance or self._cpu_clock is None:
                return True
            return time.clock_gettime(self._cpu_clock) - self._busy_cpu < _WORKING_SHARE * elapsed

    def _allowance(self, text: str) -> float:
        """How long rendering `text` may take: `timeout` for every 40 words (about 15 s of speech), since
        a neural voice takes time in proportion to the text (piper: up to 0.2 s a second of speech here)."""
        return self.timeout * max(1, math.ceil(len(text.split()) / _WORDS_PER_TIMEOUT))

    def request(self, text: str, voice: str, rate: int, urgent: bool = True) -> Future[Rendered]:
        """The rendered phrase, at once from the cache (memory or disk), else as soon as the thread gets to it.

        The disk is read here, not on the thread: a cached phrase must not wait behind the synthesizer's
        start or a long rendering in progress (piper: up to a second).
        """
        key = PhraseCache.key(text, voice, rate)
        cached = self._cache.load(key)
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
                            self._busy_cpu = time.thread_time()
                            self._busy_allowance = self._allowance(job.text)
                            return job
                self._lock.wait()
            return None

    def _run(self) -> None:
        with self._lock:
            self._cpu_clock = time.pthread_getcpuclockid(threading.get_ident())
            self._busy_cpu = time.thread_time()
        try:
            synthesizer = self._make_synthesizer()
            voices = synthesizer.voices()
        except Exception as error:  # noqa: BLE001 - whatever stops the engine starting means: no speech, text only
            self._ready.set_exception(
                error
                if isinstance(error, AudioUnavailable)
                else AudioUnavailable(f"The speech engine failed: {error}.")
            )
            return
        finally:
            with self._lock:
                self._busy_since = None
        self._ready.set_result(voices)
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
                rendered = Rendered(_trimmed(raw.samples, raw.rate), raw.rate, raw.substitute)
                if not rendered.substitute:
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
