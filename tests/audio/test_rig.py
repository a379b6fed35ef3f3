"""The rig itself: another process's default devices reach it, and both directions are dated correctly."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.audio.rig import MIC_RATE, SOURCE, PulseRig, Server, espeak_clip, pulse_rig  # noqa: F401 - pulse_rig is the fixture

pytestmark = pytest.mark.audio

PLAY_TONE = """
import time, numpy as np, sounddevice as sd
tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(22050 // 2) / 22050)
print(sd.query_devices(kind="output")["name"], flush=True)
print(time.monotonic(), flush=True)
sd.play(tone.astype("float32"), 22050, blocking=True, latency="low")  # "high" underruns through ALSA's pulse
"""

RECORD = """
import json, sys, time, numpy as np, sounddevice as sd
print(sd.query_devices(kind="input")["name"], flush=True)
frames = []
def take(data, count, timing, status):
    frames.append((time.monotonic(), data[:, 0].copy()))
with sd.InputStream(samplerate=16000, channels=1, dtype="float32", callback=take, latency="low"):
    time.sleep(float(sys.argv[1]))
# Blocks are dated by their samples, from where the quickest one puts the first: a loaded machine runs the
# callback late and in bursts, but never early.
ends = np.cumsum([len(block) for _, block in frames])
first = min(arrived - end / 16000 for (arrived, _), end in zip(frames, ends))
level = [(first + (end - len(block)) / 16000, float(np.sqrt(np.mean(block ** 2))))
         for (_, block), end in zip(frames, ends)]
print(json.dumps(level))
"""


def test_a_program_s_default_output_is_recorded_with_its_timing(pulse_rig: PulseRig) -> None:  # noqa: F811
    child = subprocess.run(
        [sys.executable, "-c", PLAY_TONE],
        env=pulse_rig.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    device, started = child.stdout.splitlines()
    assert device == "default"
    heard = pulse_rig.monitor.record_until_quiet(float(started) - 0.1)
    spans = heard.audible_spans()
    assert len(spans) == 1
    start, end = spans[0]
    # PortAudio's start-up lies in between; the recording dates a sample to within its own error
    assert -pulse_rig.server.dating_error <= start - float(started) < 0.3
    assert 0.35 < end - start < 1.5  # the half second of tone, which a loaded machine may play stretched


def test_what_is_fed_to_the_microphone_is_what_a_program_records(pulse_rig: PulseRig) -> None:  # noqa: F811
    recorder = subprocess.Popen(
        [sys.executable, "-c", RECORD, "3.0"], env=pulse_rig.env, stdout=subprocess.PIPE, text=True
    )
    assert recorder.stdout is not None
    assert recorder.stdout.readline().strip() == "default"
    time.sleep(1.0)
    spoken = espeak_clip("next")
    sound = np.flatnonzero(np.abs(spoken) > 0.02)
    clip = spoken[sound[0] : sound[-1]]  # without espeak-ng's own silence around the word
    fed_at = pulse_rig.microphone.play(clip)
    output, _ = recorder.communicate(timeout=30)
    level = json.loads(output)  # (time, rms) of each block
    loud = [at for at, rms in level if rms > 0.02]
    quiet = [rms for at, rms in level if at < fed_at - 0.2]
    assert loud, "the fed clip never reached the recording program"
    assert -0.03 <= loud[0] - fed_at < 0.25  # a block is dated by its start, the clip may begin inside it
    assert loud[-1] - loud[0] == pytest.approx(len(clip) / MIC_RATE, abs=0.1)
    assert 0 < np.median(quiet) < 0.005  # the noise floor: never digital silence


RECORD_RAW = """
import sys, time, sounddevice as sd
blocks = []
with sd.RawInputStream(samplerate=16000, channels=1, dtype="int16", callback=lambda data, *_: blocks.append(bytes(data))):
    while not blocks:
        time.sleep(0.01)
    print("recording", flush=True)
    time.sleep(float(sys.argv[1]))
sys.stdout.buffer.write(b"".join(blocks))
"""


def test_a_sound_fed_to_the_microphone_reaches_a_program_whole_on_pipewire(tmp_path: Path) -> None:
    """PipeWire reads the pipe a whole graph cycle at a time and fills what it lacks with silence."""
    seconds = 2.0
    with PulseRig(tmp_path / "pipewire", server=Server.PIPEWIRE) as rig:
        recorder = subprocess.Popen([sys.executable, "-c", RECORD_RAW, str(seconds + 1.0)], env=rig.env, stdout=subprocess.PIPE)
        assert recorder.stdout is not None
        assert recorder.stdout.readline() == b"recording\n"
        rig.microphone.play(0.3 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * MIC_RATE)) / MIC_RATE))
        recorded, _ = recorder.communicate(timeout=30)
    samples = np.frombuffer(recorded, dtype="<i2").astype(np.float64) / 32768
    loud = np.flatnonzero(np.abs(samples) > 0.1)
    assert len(loud), "the sine never reached the recording program"
    sine = samples[loud[0] : loud[-1]]
    assert len(sine) / 16000 > seconds - 0.15  # a tenth of a second went missing at its start or end (not understood)
    near_zero = np.concatenate(([0], (np.abs(sine) < 0.005).astype(int), [0]))
    runs = np.flatnonzero(np.diff(near_zero) == -1) - np.flatnonzero(np.diff(near_zero) == 1)
    assert not np.any(runs >= 40), "holes of silence in the sine"  # a 440 Hz sine crosses zero in a sample or two
