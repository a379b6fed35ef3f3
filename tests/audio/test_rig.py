"""The rig itself: another process's default devices reach it, and both directions are dated correctly."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.audio.rig import MIC_RATE, PulseRig, espeak_clip, pulse_rig  # noqa: F401 - pulse_rig is the fixture

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
