"""A private sound server for tests: the null sink is the speaker, a FIFO-fed pipe source is the microphone.

Nothing here is a mock: a real sound server runs in a temporary folder, programs reach it through
PortAudio's ALSA `pulse` device (libasound2-plugins), and the test hears what they played by recording
the sink's monitor with `parec`. The microphone is fed in real time, always with a noise floor, because
real microphones never give digital silence.

Three servers, as people have them (`Server`): PulseAudio with its defaults, where nobody asks for low
latency and the null sink renders up to 2 s at a time; PulseAudio held at low latency by a 10 ms
recorder (what precise timing tests need); and PipeWire as Debian desktops run it (pipewire, wireplumber
and pipewire-pulse on a private D-Bus).

Times are seconds on `time.monotonic()`, the clock the player uses, so a test can compare what the
program says it did with what the recording shows.

Use it from any test:

    from tests.audio.rig import pulse_rig  # noqa: F401  (the fixture)

    @pytest.mark.audio
    def test_something(pulse_rig: PulseRig) -> None:
        subprocess.run(["voiceguide", ...], env=pulse_rig.env)   # or rig.use_in_this_process()
        heard = pulse_rig.monitor.recording(since=start)
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Self

import numpy as np
import pytest

SINK = "speaker"
SOURCE = "mic"
MONITOR_RATE = 16000
MIC_RATE = 16000
_CHUNK_SECONDS = 0.01
_LEAK_JITTER_SAMPLES = round(MIC_RATE * 0.03)  # parec delivers the monitor in ~10 ms bursts


class RigError(RuntimeError):
    """The test's own sound server could not be set up; the message says what failed."""


class Server(StrEnum):
    """Which sound server a rig runs."""

    PULSEAUDIO = "pulseaudio"  # as installed: default latency, recorded at the default latency
    PULSEAUDIO_LOW_LATENCY = "pulseaudio-low-latency"  # the monitor recorder holds the sink at 10 ms
    PIPEWIRE = "pipewire"  # Debian's pipewire + wireplumber + pipewire-pulse, headless

    @property
    def recorder_latency_msec(self) -> int | None:
        """What the monitor recorder asks of the server; None leaves PulseAudio at its default.

        PipeWire runs every node at one graph quantum and renders nothing ahead, so a 10 ms recorder there only
        shortens the quantum; PulseAudio's null sink would change its whole rhythm for it.
        """
        return None if self is Server.PULSEAUDIO else 10

    @property
    def dating_error(self) -> float:
        """How far the recording's clock times may be from when a sample was played, in seconds.

        Within a 10 ms block (and 5 ms level windows) when recorded at low latency. PulseAudio's null sink at
        its defaults renders up to 2 s at a time, ahead of the clock, and hands the monitor those blocks
        whole: its recording can be dated to within that only.
        """
        return 2.0 if self is Server.PULSEAUDIO else 0.05


@dataclass(frozen=True)
class Recording:
    """Mono float samples of what the speaker played, with the clock time of the first sample."""

    samples: np.ndarray
    rate: int
    start: float

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / self.rate

    def between(self, start: float, end: float) -> np.ndarray:
        """The samples played between two clock times."""
        first = max(0, round((start - self.start) * self.rate))
        last = max(first, round((end - self.start) * self.rate))
        return self.samples[first:last]

    def envelope(self, window: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
        """RMS level in dBFS per window, and the clock time at the start of each window."""
        size = max(1, round(window * self.rate))
        count = len(self.samples) // size
        frames = self.samples[: count * size].reshape(count, size).astype(np.float64)
        rms = np.sqrt(np.mean(frames**2, axis=1))
        level = 20 * np.log10(np.maximum(rms, 1e-9))
        return self.start + np.arange(count) * size / self.rate, level

    def audible_spans(
        self, threshold_db: float = -45.0, window: float = 0.005, bridge: float = 0.15
    ) -> list[tuple[float, float]]:
        """(start, end) clock times where the level is above the threshold; gaps shorter than `bridge` are joined
        (speech has short pauses between words)."""
        times, level = self.envelope(window)
        spans: list[tuple[float, float]] = []
        for at, loud in zip(times, level > threshold_db, strict=True):
            if not loud:
                continue
            if spans and at - spans[-1][1] <= bridge + window / 2:  # half a window absorbs float rounding
                spans[-1] = (spans[-1][0], at + window)
            else:
                spans.append((at, at + window))
        return spans


class MonitorRecorder:
    """Records the speaker's monitor with `parec` and dates every sample on the monotonic clock.

    Sample 0 is dated from the earliest arrival of any chunk minus the audio before it, which bounds the
    error by how late the quickest chunk arrived: within a block at 10 ms latency; at a server's default
    latency chunks come a second or two apart, and the dating tightens as more of them arrive.
    """

    def __init__(self, env: dict[str, str], rate: int = MONITOR_RATE, latency_msec: int | None = None) -> None:
        self.rate = rate
        latency = [] if latency_msec is None else [f"--latency-msec={latency_msec}"]
        self._process = subprocess.Popen(
            [
                "parec",
                f"--device={SINK}.monitor",
                "--raw",
                "--format=float32le",
                f"--rate={rate}",
                "--channels=1",
                *latency,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._bytes = 0
        self._start = float("inf")
        self._listeners: list[Callable[[np.ndarray], None]] = []
        self._thread = threading.Thread(target=self._read, name="rig-monitor", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        pending = b""  # parec may split a sample between reads
        while chunk := stream.read1(4096):  # type: ignore[attr-defined]
            arrived = time.monotonic()
            with self._lock:
                self._chunks.append(chunk)
                self._bytes += len(chunk)
                self._start = min(self._start, arrived - self._bytes / 4 / self.rate)
                listeners = list(self._listeners)
            pending += chunk
            whole = len(pending) // 4 * 4
            samples, pending = np.frombuffer(pending[:whole], dtype="<f4"), pending[whole:]
            for listener in listeners:
                listener(samples)

    def listen(self, listener: Callable[[np.ndarray], None] | None) -> None:
        """Hand every recorded chunk (float samples) to `listener` as it arrives; None stops it."""
        with self._lock:
            self._listeners = [listener] if listener else []

    def wait_for_audio(self, timeout: float = 5.0) -> None:
        """Block until the first samples arrived, so later recordings start from a dated sample."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._bytes >= 4 * self.rate // 10:
                    return
            if self._process.poll() is not None:
                break
            time.sleep(0.01)
        error = self._process.stderr.read().decode() if self._process.poll() is not None else ""  # type: ignore[union-attr]
        raise RigError(f"parec recorded nothing from {SINK}.monitor within {timeout} s. {error}".strip())

    def recording(self, since: float | None = None) -> Recording:
        """Everything recorded so far (from `since`, a clock time, if given)."""
        with self._lock:
            data = b"".join(self._chunks)
            self._chunks = [data]
            start = self._start
        samples = np.frombuffer(data[: len(data) // 4 * 4], dtype="<f4")
        whole = Recording(samples, self.rate, start)
        if since is None or since <= start:
            return whole
        skip = round((since - start) * self.rate)
        return Recording(samples[skip:], self.rate, start + skip / self.rate)

    def record_until_quiet(
        self, since: float, quiet: float = 0.5, timeout: float = 30.0, threshold_db: float = -45.0
    ) -> Recording:
        """Wait until the speaker has been quiet for `quiet` seconds after something was heard, or `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.05)
            heard = self.recording(since)
            spans = heard.audible_spans(threshold_db)
            if spans and heard.end - spans[-1][1] >= quiet:
                return heard
        return self.recording(since)

    def close(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=5)
        self._thread.join(timeout=5)


class MicrophoneFeeder:
    """Writes the microphone's FIFO in real time: a noise floor, plus any clip queued with `play`, plus
    (when `leak` is set) what the speaker plays, as a laptop's microphone hears its own speakers.

    Chunks are paced against deadlines on the monotonic clock (never by adding up sleeps), so the
    pipe source runs at real speed and a clip's start time is known to within one chunk.
    """

    def __init__(self, fifo: Path, rate: int = MIC_RATE, noise_db: float = -60.0) -> None:
        self.rate = rate
        self._noise = 10 ** (noise_db / 20)
        self._random = np.random.default_rng(7)
        self._lock = threading.Lock()
        self._pending: list[tuple[np.ndarray, threading.Event, list[float]]] = []
        self._playing: list[tuple[np.ndarray, int]] = []
        self._leak_gain = 0.0
        self._leaked: deque[np.ndarray] = deque()
        self._leaked_count = 0
        self._leak_primed = False
        self._stop = threading.Event()
        self._fd: int | None = None
        self.attach(fifo)
        self._thread = threading.Thread(target=self._run, name="rig-microphone", daemon=True)
        self._thread.start()

    def play(self, samples: np.ndarray, wait: bool = False) -> float:
        """Mix `samples` (float, at the feeder's rate) into the microphone from the next chunk on.

        Returns the clock time at which the first sample entered the microphone; with `wait`, returns
        only after the last sample was written.
        """
        started = threading.Event()
        when: list[float] = []
        with self._lock:
            self._pending.append((np.asarray(samples, dtype=np.float32), started, when))
        if not started.wait(timeout=5):
            raise RigError("the microphone feeder stopped writing")
        if wait:
            time.sleep(max(0.0, when[0] + len(samples) / self.rate - time.monotonic()) + _CHUNK_SECONDS)
        return when[0]

    def leak(self, gain: float) -> None:
        """Mix the speaker's monitor into the microphone at `gain` (0 turns the leak off); the monitor calls
        `speaker_played` with what it records."""
        with self._lock:
            self._leak_gain = gain
            self._leaked.clear()
            self._leaked_count = 0
            self._leak_primed = False

    def speaker_played(self, samples: np.ndarray) -> None:
        with self._lock:
            if self._leak_gain:
                self._leaked.append(samples)
                self._leaked_count += len(samples)

    def attach(self, fifo: Path) -> None:
        """Write to this FIFO from now on (the pipe source made it anew after being loaded again).

        Non-blocking, with a small pipe buffer: while nobody records the microphone the server does not read the
        FIFO, and audio nobody captured must be lost (as with a real microphone), not queued up. Yet no smaller
        than 256 ms: PipeWire reads a whole graph cycle at once and fills what the pipe lacks with silence, and
        with 128 ms a recorded sine had 5-10 ms holes about five times a second (its phrases were misheard, and
        the player's echo could not be lined up).
        """
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 8192)
        with self._lock:
            self._fd = fd

    def detach(self) -> None:
        """Stop writing, as a microphone that was pulled out."""
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def _take_leak(self, size: int) -> np.ndarray | None:
        """`size` samples of the speaker, delayed by a little jitter buffer (the monitor arrives in bursts)."""
        if not self._leak_gain:
            return None
        if not self._leak_primed:
            self._leak_primed = self._leaked_count >= _LEAK_JITTER_SAMPLES
            return None
        if self._leaked_count < size:
            self._leak_primed = False  # ran dry: a few milliseconds of gap, then primed again
            return None
        out = np.empty(size, dtype=np.float32)
        filled = 0
        while filled < size:
            head = self._leaked[0]
            count = min(size - filled, len(head))
            out[filled : filled + count] = head[:count]
            filled += count
            if count == len(head):
                self._leaked.popleft()
            else:
                self._leaked[0] = head[count:]
        self._leaked_count -= size
        return out * self._leak_gain

    def _run(self) -> None:
        size = round(self.rate * _CHUNK_SECONDS)
        deadline = time.monotonic()
        while not self._stop.is_set():
            chunk = self._random.normal(0.0, self._noise, size).astype(np.float32)
            with self._lock:
                for samples, started, when in self._pending:
                    when.append(deadline)
                    started.set()
                    self._playing.append((samples, 0))
                self._pending.clear()
                leaked = self._take_leak(size)
            if leaked is not None:
                chunk += leaked
            still: list[tuple[np.ndarray, int]] = []
            for samples, offset in self._playing:
                part = samples[offset : offset + size]
                chunk[: len(part)] += part
                if offset + size < len(samples):
                    still.append((samples, offset + size))
            self._playing = still
            pcm = (np.clip(chunk, -1.0, 1.0) * 32767).astype("<i2").tobytes()
            with self._lock:  # detach() must not close the descriptor under a write
                try:
                    if self._fd is not None:
                        os.write(self._fd, pcm)
                except BlockingIOError:
                    pass  # nobody is recording the microphone just now
                except OSError:
                    pass  # the pipe source is gone (a test unloads it or stops the server on purpose)
            deadline += _CHUNK_SECONDS
            time.sleep(max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.detach()


class PulseRig:
    """A sound server of the test's own, reached through the PulseAudio protocol, with a recorded speaker and
    a fed microphone.

    `env` is the environment for programs under test (their ALSA `default` and `pulse` devices reach this
    server); `use_in_this_process()` points the test process itself at it.
    """

    def __init__(self, root: Path, noise_db: float = -60.0, server: Server = Server.PULSEAUDIO_LOW_LATENCY) -> None:
        self.root = root
        self.server = server
        self._noise_db = noise_db
        self._processes: list[subprocess.Popen[bytes]] = []
        self._modules: dict[str, str] = {}  # module name -> index, for unloading
        self._echo_tap: MonitorRecorder | None = None
        self.monitor: MonitorRecorder
        self.microphone: MicrophoneFeeder
        self.runtime = root / "runtime"
        self.socket = self.runtime / "native"  # pipewire-pulse, too, puts it in PULSE_RUNTIME_PATH
        self.cli_socket = self.runtime / "cli"
        self.fifo = self.runtime / "mic.fifo"
        self.log = root / "server.log"
        client_conf = root / "client.conf"
        self.env = {
            **os.environ,
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_CLIENTCONFIG": str(client_conf),
            "PULSE_RUNTIME_PATH": str(self.runtime),
            "XDG_RUNTIME_DIR": str(self.runtime),
            # Programs record "mic" by name: when it is unloaded they must find no microphone, not the monitor
            # PulseAudio would otherwise fall back to.
            "PULSE_SOURCE": SOURCE,
            "PULSE_SINK": SINK,
        }

    def start(self) -> Self:
        tools = ("parec", "pactl") + (
            ("pipewire", "pipewire-pulse", "wireplumber", "dbus-daemon") if self.server is Server.PIPEWIRE
            else ("pulseaudio",)
        )
        for tool in tools:
            if shutil.which(tool) is None:
                raise RigError(f"{tool} is not installed (bash scripts/setup.sh --test installs the test servers)")
        self.runtime.mkdir(parents=True, exist_ok=True)
        self.runtime.chmod(0o700)
        (self.root / "client.conf").write_text("autospawn = no\n")
        # HOME and the XDG folders keep the servers' cookies and state out of the real home folder.
        server_env = {**self.env, "HOME": str(self.root), "XDG_CONFIG_HOME": str(self.root / "config"),
                      "XDG_STATE_HOME": str(self.root / "state")}
        if self.server is Server.PIPEWIRE:
            self._start_pipewire(server_env)
        else:
            self._start_pulseaudio(server_env)
        self._wait_until_ready()
        self.plug_speaker(record=False)
        self._modules["module-pipe-source"] = self._pactl("load-module", *self._pipe_source.split()).strip()
        self._set_default("source", SOURCE)
        self.microphone = MicrophoneFeeder(self.fifo, noise_db=self._noise_db)
        self._record_monitor()
        return self

    def _start_pulseaudio(self, server_env: dict[str, str]) -> None:
        script = self.root / "rig.pa"
        script.write_text(
            f"load-module module-native-protocol-unix auth-anonymous=1 socket={self.socket}\n"
            f"load-module module-cli-protocol-unix socket={self.cli_socket}\n"
        )
        # Running as root needs no --system: pulseaudio only warns.
        self._spawn(["pulseaudio", "-n", f"--file={script}", "--daemonize=no", "--exit-idle-time=-1",
                     "--use-pid-file=no", "--disallow-exit", "--log-level=notice", f"--log-target=file:{self.log}"],
                    server_env)

    def _start_pipewire(self, server_env: dict[str, str]) -> None:
        """PipeWire as a Debian desktop session starts it: a session bus, the daemon, its session manager and
        the PulseAudio protocol server, each with its packaged configuration."""
        bus = self.runtime / "bus"
        self._spawn(["dbus-daemon", "--session", f"--address=unix:path={bus}", "--nofork", "--nopidfile"], server_env)
        self._wait_for_path(bus, "dbus-daemon")
        server_env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={bus}"
        self._spawn(["pipewire"], server_env)
        self._wait_for_path(self.runtime / "pipewire-0", "pipewire")
        self._spawn(["wireplumber"], server_env)
        self._spawn(["pipewire-pulse"], server_env)

    def _spawn(self, command: list[str], env: dict[str, str]) -> None:
        with self.log.open("ab") as log:
            self._processes.append(subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True))

    def _wait_for_path(self, path: Path, program: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline or any(process.poll() is not None for process in self._processes):
                self._fail(f"{program} did not start within {timeout} s")
            time.sleep(0.02)

    def _record_monitor(self) -> None:
        self.monitor = MonitorRecorder(self.env, latency_msec=self.server.recorder_latency_msec)
        self.monitor.wait_for_audio()

    @property
    def _pipe_source(self) -> str:
        return (
            f"module-pipe-source source_name={SOURCE} file={self.fifo} format=s16le rate={MIC_RATE} channels=1"
            " source_properties=device.description=Microphone"
        )

    @property
    def _null_sink(self) -> str:
        """The speaker: at the server's default rate and latency, except that the low-latency rig keeps the
        48 kHz stereo sink it always had."""
        rate = " rate=48000 channels=2" if self.server is Server.PULSEAUDIO_LOW_LATENCY else ""
        return f"module-null-sink sink_name={SINK}{rate} sink_properties=device.description=Speaker"

    def leak_speaker(self, gain: float) -> None:
        """Let the microphone hear the speaker at `gain` (e.g. 0.3, about -10 dB), as a laptop hears its own
        speakers; 0 stops it.

        A laptop hears itself at once, so the echo is taken from a tap recorded at 10 ms latency: while a
        test leaks, the server runs at low latency, as it would for any program that records its monitor so.
        """
        if gain and self._echo_tap is None:
            self._echo_tap = MonitorRecorder(self.env, latency_msec=10)
            self._echo_tap.listen(self.microphone.speaker_played)
        self.microphone.leak(gain)

    def unplug_speaker(self) -> None:
        """Unload the null sink: programs playing to it lose their stream, and no output can be opened."""
        for recorder in (self.monitor, self._echo_tap):
            if recorder is not None:
                recorder.close()
        self._echo_tap = None
        self._pactl("unload-module", self._modules.pop("module-null-sink"))

    def plug_speaker(self, record: bool = True) -> None:
        """Load the null sink (again) as the default output, and record its monitor anew."""
        self._modules["module-null-sink"] = self._pactl("load-module", *self._null_sink.split()).strip()
        self._set_default("sink", SINK)
        if record:
            self._record_monitor()

    def unplug_microphone(self) -> None:
        """Unload the pipe source: programs recording it lose their stream and find no microphone.

        PulseAudio (since 14) moves the streams of a vanished source to another one, here the speaker's
        monitor; a pulled-out microphone must not turn into a recording of the speaker, so they are ended.
        """
        recording = [index for index, source in self._source_outputs() if source == self._source_index(SOURCE)]
        self.microphone.detach()
        self._pactl("unload-module", self._modules.pop("module-pipe-source"))
        for index in recording:
            self._command_line(f"kill-source-output {index}")

    def _command_line(self, command: str) -> None:
        """One command on PulseAudio's command-line socket (pactl cannot end a stream)."""
        if self.server is Server.PIPEWIRE:
            raise RigError(f"{command!r} needs PulseAudio's command-line socket, which PipeWire does not offer")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(5)
            connection.connect(str(self.cli_socket))
            connection.sendall(command.encode() + b"\n")
            connection.shutdown(socket.SHUT_WR)  # the server answers and hangs up at the end of our input
            reply = b""
            while chunk := connection.recv(4096):
                reply += chunk
            reply = reply.decode(errors="replace")
        if "failed" in reply.lower() or "unknown" in reply.lower():
            raise RigError(f"{command!r} failed: {reply.strip()}")

    def _source_outputs(self) -> list[tuple[str, str]]:
        """(stream index, source index) of every recording stream."""
        listing = self._pactl("list", "short", "source-outputs")
        return [(fields[0], fields[1]) for fields in (line.split("\t") for line in listing.splitlines()) if fields[0]]

    def _source_index(self, name: str) -> str:
        listing = self._pactl("list", "short", "sources")
        return next(fields[0] for fields in (line.split("\t") for line in listing.splitlines()) if fields[1] == name)

    def plug_microphone(self) -> None:
        """Load the pipe source again and feed it, as a microphone plugged back in."""
        self._modules["module-pipe-source"] = self._pactl("load-module", *self._pipe_source.split()).strip()
        self.microphone.attach(self.fifo)

    def _set_default(self, kind: str, name: str, timeout: float = 10.0) -> None:
        """Make `name` the default sink or source. PipeWire keeps defaults in WirePlumber's metadata, which
        answers "Not supported" until WirePlumber is up: on a busy machine that came after the server did."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._pactl(f"set-default-{kind}", name)
                return
            except RigError:
                if self.server is not Server.PIPEWIRE or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _pactl(self, *arguments: str) -> str:
        done = subprocess.run(["pactl", *arguments], env=self.env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RigError(f"pactl {' '.join(arguments)} failed: {done.stderr.strip()}")
        return done.stdout

    def _wait_until_ready(self, timeout: float = 10.0) -> None:
        """Until the server answers on its socket."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self._processes):
                break
            if self.socket.exists():
                info = subprocess.run(["pactl", "info"], check=False, env=self.env, capture_output=True, text=True)
                if info.returncode == 0:
                    return
            time.sleep(0.05)
        self._fail(f"{self.server} did not start within {timeout} s")

    def _fail(self, reason: str) -> None:
        log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else "(no log)"
        self.close()
        raise RigError(f"{reason}; its log ends with:\n{log}")

    def use_in_this_process(self) -> None:
        """Point this process's PortAudio at the rig; open streams on device "pulse" here.

        PortAudio lists devices once, when sounddevice is imported; if that already happened (before the
        server ran, so without the `pulse` device), it is re-initialised through sounddevice's own
        module-level helpers, which have no public equivalent. ALSA's `default` is decided once per
        process (it is PulseAudio only if a server ran then), so in-process tests name "pulse";
        subprocesses started with `env` get `default` = this server.
        """
        if os.environ.get("PULSE_SERVER") == self.env["PULSE_SERVER"]:
            return
        os.environ.update({key: self.env[key] for key in ("PULSE_SERVER", "PULSE_CLIENTCONFIG")})
        sounddevice = sys.modules.get("sounddevice")
        if sounddevice is not None:
            sounddevice._terminate()
            sounddevice._initialize()

    def close(self) -> None:
        for part in ("monitor", "microphone"):
            if hasattr(self, part):
                getattr(self, part).close()
                delattr(self, part)
        if self._echo_tap is not None:
            self._echo_tap.close()
            self._echo_tap = None
        for process in reversed(self._processes):  # the PulseAudio server before PipeWire, the bus last
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self._processes.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()


def espeak_clip(
    text: str, voice: str = "en-us", words_per_minute: int = 160, rate: int = MIC_RATE
) -> np.ndarray:
    """`text` spoken by the espeak-ng command line, as float samples at `rate` (for the microphone)."""
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "clip.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(wav), text],
            capture_output=True,
            check=True,
        )
        return read_wav(wav, rate)


def read_wav(path: Path, rate: int) -> np.ndarray:
    """A 16-bit mono WAV as float samples, resampled (linearly; enough for tests) to `rate`."""
    with wave.open(str(path)) as reader:
        source_rate = reader.getframerate()
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    samples = pcm.astype(np.float32) / 32768
    if source_rate == rate:
        return samples
    positions = np.arange(round(len(samples) * rate / source_rate)) * source_rate / rate
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


@pytest.fixture(scope="session")
def pulse_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseRig]:
    """One PulseAudio for the whole session; a failure to start fails the test with the reason."""
    try:
        rig = PulseRig(tmp_path_factory.mktemp("pulse")).start()
    except RigError as error:
        pytest.fail(f"the PulseAudio test rig could not start: {error}", pytrace=False)
    rig.use_in_this_process()
    yield rig
    rig.close()
