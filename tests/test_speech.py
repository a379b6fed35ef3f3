"""Rendering speech with the real pyttsx3 + espeak-ng: samples, voices, the cache, timeouts, clean stdout.

No sound device is needed here; tests/test_speech_audio.py plays through the PulseAudio rig.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.audio.speaking import level_db
from tests.fakes import SlowSynthesizer, StuckSynthesizer
from voiceguide.adapters.audio_out import AudioUnavailable
from voiceguide.adapters.phrase_cache import PhraseCache
from voiceguide.adapters.pyttsx3_synthesizer import Pyttsx3Synthesizer
from voiceguide.adapters.renderer import Renderer, sentences
from voiceguide.adapters.synthesis import Rendered, SpeechFailed, VoiceInfo
from voiceguide.adapters.voices import UnknownVoice, list_voices, resolve_voice

ROOT = Path(__file__).resolve().parent.parent


def pcm_level_db(samples: np.ndarray) -> float:
    """Level of 16-bit samples, as the renderer returns them."""
    return level_db(samples.astype(np.float64) / 32768)


class CountingSynthesizer:
    """The real synthesizer, counting what it actually had to render (to see what the cache saved)."""

    def __init__(self) -> None:
        self._real = Pyttsx3Synthesizer()
        self.rendered: list[str] = []

    def voices(self) -> list[VoiceInfo]:
        return self._real.voices()

    def render(self, text: str, voice: str, rate: int) -> Rendered:
        self.rendered.append(text)
        return self._real.render(text, voice, rate)

    def close(self) -> None:
        self._real.close()


@pytest.fixture
def renderer(tmp_path: Path) -> Iterator[Renderer]:
    running = Renderer(Pyttsx3Synthesizer, PhraseCache(tmp_path / "cache"))
    running.start()
    yield running
    running.close()


def render(renderer: Renderer, text: str, voice: str = "gmw/en-us", rate: int = 160) -> Rendered:
    return renderer.request(text, voice, rate).result(timeout=10)


def test_a_number_is_rendered_as_speech_of_plausible_length(renderer: Renderer) -> None:
    ten = render(renderer, "Ten")
    assert ten.rate == 22050
    assert 0.25 < ten.seconds < 1.2
    assert pcm_level_db(ten.samples) > -30


def test_silence_around_the_words_is_trimmed(renderer: Renderer) -> None:
    """The first sound comes within a few milliseconds, so a cue lands on time; a short gap is kept after."""
    ten = render(renderer, "Ten")
    loud = np.flatnonzero(np.abs(ten.samples.astype(np.int32)) > 64)
    assert loud[0] / ten.rate <= 0.006
    assert 0.05 <= (len(ten.samples) - loud[-1]) / ten.rate <= 0.11


def test_longer_text_takes_longer_and_a_faster_rate_takes_less_time(renderer: Renderer) -> None:
    sentence = "Lie on your back and bend both knees, keeping your feet flat on the floor."
    calm = render(renderer, sentence, rate=140)
    quick = render(renderer, sentence, rate=280)
    assert 3.0 < calm.seconds < 8.0
    assert quick.seconds < 0.7 * calm.seconds
    assert calm.seconds > 3 * render(renderer, "Ten", rate=140).seconds


def test_a_korean_voice_renders_and_an_unknown_voice_fails(renderer: Renderer) -> None:
    voice = resolve_voice(None, "ko", renderer.voices())
    assert render(renderer, "다음", voice=voice.id).seconds > 0.2
    with pytest.raises(SpeechFailed, match="no voice"):
        render(renderer, "Ten", voice="sit/xx-none")


def test_voices_are_found_by_id_short_id_name_or_language(renderer: Renderer) -> None:
    voices = renderer.voices()
    american = resolve_voice("gmw/en-us", "en", voices)
    assert american.id == "gmw/en-us"
    assert resolve_voice("en-us", "ko", voices) == american
    assert resolve_voice("English (America)", "en", voices) == american
    assert resolve_voice(None, "en", voices).id == "gmw/en"
    assert resolve_voice(None, "en-us", voices) == american
    with pytest.raises(UnknownVoice, match="'no-such-voice'.*voiceguide voices"):
        resolve_voice("no-such-voice", "en", voices)
    with pytest.raises(UnknownVoice, match="'xx'"):
        resolve_voice(None, "xx", voices)


def test_listing_voices_of_a_language() -> None:
    english = list_voices("en")
    assert {"gmw/en", "gmw/en-us"} <= {voice.id for voice in english}
    assert all(any(code.startswith("en") for code in voice.languages) for voice in english)
    assert len(list_voices()) > len(english)


def test_a_phrase_said_twice_is_rendered_once_and_remembered_on_disk(tmp_path: Path) -> None:
    counting = CountingSynthesizer()
    first = Renderer(lambda: counting, PhraseCache(tmp_path))
    first.start()
    one = first.request("Switch sides.", "gmw/en-us", 160).result(timeout=10)
    again = first.request("Switch sides.", "gmw/en-us", 160)
    assert again.done() and again.result() is one  # from memory, at once
    first.request("Switch sides.", "gmw/en-us", 200).result(timeout=10)  # another rate is another phrase
    first.close()
    assert counting.rendered == ["Switch sides.", "Switch sides."]

    fresh = CountingSynthesizer()
    second = Renderer(lambda: fresh, PhraseCache(tmp_path))
    second.start()
    from_disk = second.request("Switch sides.", "gmw/en-us", 160).result(timeout=10)
    second.close()
    assert fresh.rendered == []
    assert np.array_equal(from_disk.samples, one.samples)


def test_the_disk_cache_forgets_the_least_recently_used_phrases_first(tmp_path: Path) -> None:
    phrase = Rendered(np.ones(1000, dtype=np.int16), 22050)  # 2 kB each on disk
    cache = PhraseCache(tmp_path, disk_bytes=7000)
    for number, key in enumerate(["old", "used", "new"]):
        cache.store(key, phrase)
        os.utime(tmp_path / f"{key}.wav", (1000 + number, 1000 + number))
    PhraseCache(tmp_path).load("used")  # a later session reads it: recently used again
    cache.store("newest", phrase)
    cache.prune()
    assert sorted(path.stem for path in tmp_path.glob("*.wav")) == ["new", "newest", "used"]


def test_a_damaged_cache_file_is_rendered_again(tmp_path: Path) -> None:
    cache = PhraseCache(tmp_path)
    (tmp_path / f"{PhraseCache.key('Ten', 'gmw/en-us', 160)}.wav").write_bytes(b"RIFF garbage")
    renderer = Renderer(Pyttsx3Synthesizer, cache)
    renderer.start()
    try:
        assert render(renderer, "Ten").seconds > 0.25
    finally:
        renderer.close()


def test_an_unwritable_cache_folder_still_caches_in_memory(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    renderer = Renderer(Pyttsx3Synthesizer, PhraseCache(blocked / "speech"))
    renderer.start()
    try:
        render(renderer, "Ten")
        assert renderer.request("Ten", "gmw/en-us", 160).done()
    finally:
        renderer.close()


def test_a_phrase_on_disk_comes_at_once_while_the_renderer_is_busy(tmp_path: Path) -> None:
    cached = Rendered(np.ones(2205, dtype=np.int16), 22050)
    PhraseCache(tmp_path).store(PhraseCache.key("Ten.", "gmw/en-us", 160), cached)
    release = threading.Event()
    renderer = Renderer(lambda: StuckSynthesizer(release), PhraseCache(tmp_path))
    renderer.start()
    try:
        busy = renderer.request("A stuck phrase.", "gmw/en-us", 160)
        phrase = renderer.request("Ten.", "gmw/en-us", 160)
        assert not busy.done()
        assert phrase.done() and np.array_equal(phrase.result().samples, cached.samples)
    finally:
        release.set()
        renderer.close()


def test_a_long_line_is_rendered_sentence_by_sentence() -> None:
    assert sentences("Heel spur exercises. Say next to skip this. Ready? Go!") == [
        "Heel spur exercises.", "Say next to skip this.", "Ready?", "Go!"]
    assert sentences("Release") == ["Release"]
    assert sentences("Hold for 20 seconds, 3.5 times") == ["Hold for 20 seconds, 3.5 times"]


def test_an_urgent_phrase_goes_before_prepared_ones(renderer: Renderer) -> None:
    background = [f"Step {number}: keep breathing slowly and evenly." for number in range(40)]
    renderer.prepare(background, "gmw/en-us", 160)
    urgent = renderer.request("Stop now.", "gmw/en-us", 160)
    urgent.result(timeout=10)
    waiting = [renderer.request(text, "gmw/en-us", 160, urgent=False) for text in background]
    assert sum(not future.done() for future in waiting) >= 30


def test_a_slow_synthesizer_that_keeps_working_is_waited_for_not_given_up(tmp_path: Path) -> None:
    """A busy machine slows the engine down without stopping it: past its allowance it still gets CPU time,
    and its words are worth the wait. (A wedged engine gets none and is given up: the test below.)"""
    renderer = Renderer(lambda: SlowSynthesizer(start=0.8, render=0.8), PhraseCache(tmp_path), timeout=0.3)
    renderer.start()
    try:
        assert renderer.voices()  # it started, late
        slow = renderer.request("Take your time", "gmw/en-us", 160)
        time.sleep(0.6)
        assert not renderer.hung
        assert slow.result(timeout=5).seconds > 0.3
    finally:
        renderer.close()


def test_a_hung_synthesis_is_bounded_and_the_engine_recovers(tmp_path: Path) -> None:
    release = threading.Event()
    renderer = Renderer(lambda: StuckSynthesizer(release), PhraseCache(tmp_path), timeout=0.3)
    renderer.start()
    try:
        stuck = renderer.request("I am stuck", "gmw/en-us", 160)
        queued = renderer.request("Queued behind it", "gmw/en-us", 160)
        with pytest.raises(TimeoutError):
            stuck.result(timeout=0.4)
        assert renderer.hung
        started = time.monotonic()
        with pytest.raises(SpeechFailed, match="not responding"):
            renderer.request("Anything new", "gmw/en-us", 160).result(timeout=1)
        assert time.monotonic() - started < 0.05  # fails at once, no second wait
        release.set()
        assert queued.result(timeout=5).seconds > 0.3
        assert not renderer.hung
    finally:
        release.set()
        renderer.close()


def test_a_failed_synthesis_fails_that_phrase_only(tmp_path: Path) -> None:
    renderer = Renderer(lambda: StuckSynthesizer(threading.Event()), PhraseCache(tmp_path))
    renderer.start()
    try:
        with pytest.raises(SpeechFailed, match="espeak-ng failed"):
            renderer.request("broken phrase", "gmw/en-us", 160).result(timeout=5)
        assert render(renderer, "Ten").seconds > 0.25
    finally:
        renderer.close()


def test_an_engine_that_cannot_start_is_reported_in_one_sentence(tmp_path: Path) -> None:
    def no_engine() -> Pyttsx3Synthesizer:
        raise OSError("libespeak-ng.so.1: cannot open shared object file")

    renderer = Renderer(no_engine, PhraseCache(tmp_path))
    renderer.start()
    with pytest.raises(AudioUnavailable, match="speech engine failed.*libespeak-ng"):
        renderer.voices()
    renderer.close()


def test_rendering_keeps_stdout_clean_but_lets_other_lines_through(
    renderer: Renderer, capfd: pytest.CaptureFixture[str]
) -> None:
    """pyttsx3 prints "Audio saved to ..." for every file; the player's own lines printed meanwhile must stay."""
    futures = [renderer.request(f"Line number {number}.", "gmw/en-us", 160) for number in range(15)]
    while not all(future.done() for future in futures):
        print("player line")
        time.sleep(0.002)
    for future in futures:
        future.result()
    out, _ = capfd.readouterr()
    assert "Audio saved" not in out
    assert set(out.splitlines()) == {"player line"}


def test_a_process_that_renders_prints_nothing_it_did_not_mean_to(tmp_path: Path) -> None:
    script = (
        "from pathlib import Path\n"
        "from voiceguide.adapters.phrase_cache import PhraseCache\n"
        "from voiceguide.adapters.pyttsx3_synthesizer import Pyttsx3Synthesizer\n"
        "from voiceguide.adapters.renderer import Renderer\n"
        f"renderer = Renderer(Pyttsx3Synthesizer, PhraseCache(Path(r'{tmp_path}')))\n"
        "renderer.start()\n"
        "renderer.prepare(['One', 'Two', 'Three'], 'gmw/en', 160)\n"
        "renderer.request('Four', 'gmw/en', 160).result(timeout=10)\n"
        "renderer.request('Three', 'gmw/en', 160).result(timeout=10)\n"
        "renderer.close()\n"
        "print('done')\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "done\n"
