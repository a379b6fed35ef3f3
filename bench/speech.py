"""Measures the speaker through a private PulseAudio: how soon speech is heard, how fast it stops, how well
the speaker knows when it is audible, how soon an earcon sounds.

    .venv/bin/python bench/speech.py [--trials 20] [--voice joe]

`--voice` picks the voice as the user would (default: espeak-ng's voice for English; `joe` is piper's
natural voice). "Cold" is a fresh process with an empty phrase cache (piper also loads its model);
"uncached" a new line from a running speaker; "cached" a line rendered before.

"Heard" is when PulseAudio's null sink rendered the sample, read back from its monitor and dated on
the monotonic clock (see tests/audio/rig.py); a real sound card adds its own output latency on top.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audio.rig import PulseRig
from tests.audio.speaking import RecordedOwnVoice, last_sound, onset
from voiceguide.adapters.clock import MonotonicClock
from voiceguide.adapters.speaker import SoundDeviceSpeaker
from voiceguide.messages import Earcon, Priority, Say, SpeechDone
from voiceguide.settings import VoiceSettings

SENTENCE = "Slowly pull your toes towards you and hold the stretch while you keep breathing evenly."

# Run in a fresh process for the cold start: nothing imported, nothing cached.
COLD_CHILD = """
import os, sys, time, queue
started = time.monotonic()
from voiceguide.adapters.clock import MonotonicClock
from voiceguide.adapters.speaker import SoundDeviceSpeaker
from voiceguide.messages import Earcon, Priority, Say, SpeechDone
from voiceguide.own_voice import OwnVoice
from voiceguide.settings import VoiceSettings
from pathlib import Path
inbox = queue.Queue()
before = time.monotonic()  # sounddevice and pyttsx3 are not imported yet: the speaker imports them
speaker = SoundDeviceSpeaker(inbox.put, MonotonicClock(), OwnVoice(), VoiceSettings(voice=sys.argv[2] or None),
                             "pulse", cache_dir=Path(sys.argv[1]))
created = time.monotonic()
speaker.say(Say(1, "Lie on your back.", Priority.INSTRUCTION))
while not isinstance(inbox.get(timeout=60), SpeechDone):  # SpeechStarted comes first
    pass
speaker.close()
print(started, before, created)
"""


class Inbox:
    def __init__(self) -> None:
        import queue

        self.events: queue.Queue[object] = queue.Queue()

    def put(self, event: object) -> None:
        self.events.put(event)

    def done(self, timeout: float = 15.0) -> SpeechDone:
        while True:
            event = self.events.get(timeout=timeout)
            if isinstance(event, SpeechDone):
                return event


def summary(values_ms: list[float]) -> dict[str, float]:
    values = np.asarray(values_ms)
    return {
        "n": len(values),
        "median": round(float(np.median(values)), 1),
        "p95": round(float(np.percentile(values, 95)), 1),
        "max": round(float(np.max(values)), 1),
    }


def cold_start(rig: PulseRig, trials: int, voice: str | None) -> dict[str, dict[str, float]]:
    to_sound, from_constructor, creation = [], [], []
    for _ in range(trials):
        with tempfile.TemporaryDirectory() as cache:
            env = {**rig.env, "PYTHONPATH": str(ROOT)}
            child = subprocess.run(
                [sys.executable, "-c", COLD_CHILD, cache, voice or ""],
                capture_output=True,
                text=True,
                env=env,
                check=True,
                cwd=ROOT,
            )
        started, before, created = map(float, child.stdout.split())
        heard = rig.monitor.recording(started - 0.5)
        first = onset(heard, started)
        to_sound.append(1000 * (first - started))
        from_constructor.append(1000 * (first - before))
        creation.append(1000 * (created - before))
        time.sleep(0.3)
    return {
        "python running to first audible": summary(to_sound),
        "speaker constructor called to first audible": summary(from_constructor),
        "speaker constructor alone": summary(creation),
    }


def say_latency(
    rig: PulseRig, speaker: SoundDeviceSpeaker, inbox: Inbox, own_voice: RecordedOwnVoice, trials: int
) -> dict:
    cached, uncached, start_error, done_error = [], [], [], []
    words = ["knee", "heel", "toes", "calf", "hip", "back", "foot", "arch", "ankle", "shin"]
    for trial in range(trials):
        for kind in ("uncached", "cached"):
            text = (
                "Stretch your " + words[trial % len(words)] + f" {trial}." if kind == "uncached" else "Hold."
            )
            if kind == "cached" and trial == 0:
                speaker.say(Say(999, text, Priority.TICK))  # the first time renders it
                inbox.done()
                time.sleep(0.2)
            said = time.monotonic()
            speaker.say(Say(trial, text, Priority.INSTRUCTION))
            done = inbox.done()
            time.sleep(0.25)
            heard = rig.monitor.recording(said - 0.3)
            first = onset(heard, said)
            (cached if kind == "cached" else uncached).append(1000 * (first - said))
            start_error.append(1000 * (own_voice.spans[-1][0] - first))
            done_error.append(1000 * (done.now - last_sound(heard, done.now + 0.2)))
    return {
        "say to first audible, cached": summary(cached),
        "say to first audible, uncached": summary(uncached),
        "own-voice start minus heard start": summary(start_error),
        "SpeechDone minus last audible sample": summary(done_error),
    }


def silence_latency(rig: PulseRig, speaker: SoundDeviceSpeaker, inbox: Inbox, trials: int) -> dict:
    delays = []
    for trial in range(trials):
        speaker.say(Say(trial, SENTENCE, Priority.INSTRUCTION))
        time.sleep(random.uniform(0.6, 2.0))
        cut = time.monotonic()
        speaker.silence()
        inbox.done()
        time.sleep(0.4)
        heard = rig.monitor.recording(cut - 0.5)
        delays.append(1000 * (last_sound(heard, cut + 0.4) - cut))
    return {"silence() to silence": summary(delays)}


def cue_latency(rig: PulseRig, speaker: SoundDeviceSpeaker, trials: int) -> dict:
    """From cue() to the earcon's first audible sample, with nothing else playing."""
    delays = []
    for _ in range(trials):
        cued = time.monotonic()
        speaker.cue(Earcon.SWITCH)
        time.sleep(0.6)
        delays.append(1000 * (onset(rig.monitor.recording(cued - 0.3), cued) - cued))
    return {"cue() to first audible": summary(delays)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--voice", help="the voice to measure, as --voice takes it (default: espeak-ng's English)")
    options = parser.parse_args()
    random.seed(1)
    with tempfile.TemporaryDirectory() as folder, PulseRig(Path(folder) / "pulse") as rig:
        rig.use_in_this_process()
        os.environ["PYTHONPATH"] = str(ROOT)
        figures: dict[str, object] = {"cold start (ms)": cold_start(rig, max(3, options.trials // 4), options.voice)}
        inbox, own_voice = Inbox(), RecordedOwnVoice()
        speaker = SoundDeviceSpeaker(
            inbox.put, MonotonicClock(), own_voice, VoiceSettings(voice=options.voice), "pulse",
            cache_dir=Path(folder) / "cache"
        )
        figures["voice"] = speaker.voice.id
        figures["stream"] = {
            "rate": speaker.sample_rate,
            "reported latency ms": round(1000 * speaker.output_latency, 1),
        }
        figures["latency (ms)"] = say_latency(rig, speaker, inbox, own_voice, options.trials)
        figures["cut (ms)"] = silence_latency(rig, speaker, inbox, options.trials)
        figures["earcon (ms)"] = cue_latency(rig, speaker, options.trials)
        figures["stream"]["underflows"] = speaker.underflows  # type: ignore[index]
        speaker.close()
    print(json.dumps(figures, indent=2))
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
