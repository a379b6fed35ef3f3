"""Start-up on the sound servers people run: does the sound keep working, and how soon is the first word heard?

    .venv/bin/python bench/servers.py [--starts 20] [--seconds 8] [--routine heel-spur]

For each server (PulseAudio with its defaults, PulseAudio held at low latency, PipeWire as Debian desktops
run it), `voiceguide ROUTINE` is started `--starts` times in a row, each run left going for `--seconds`
(longer than the output's stuck limit, so a false alarm would show), then interrupted. Per server it prints:

- false alarms: runs whose output was declared dead ("stopped" notices in the event log) although the
  server was fine all along (target: zero);
- audible: runs in which speech was recorded from the speaker's monitor (target: all);
- first word: seconds from launching the process to its first audible sample (target: within 1 s); the
  runs share one user folder, as one person's starts do, so the first start renders every phrase (cold)
  and the others find them cached; beside it, the same as the player dates it (its `speech_start`,
  PortAudio's time for the sample reaching the speaker), which needs no recording;
- a bare client's first sound: the same, for `pacat` playing a tone at 35 ms latency, so the player's figure
  can be read against what the server itself allows any program (PulseAudio's null sink at its defaults
  renders up to 2 s ahead and cannot take that back for a new stream, so every program waits behind it);
- recovery: in one more run the speaker is unloaded 3 s in and loaded again 4 s later: how many times the
  loss was announced, and the seconds from its return to "The sound is back." and to audible speech.
  (PipeWire moves a stream whose sink vanished to its dummy output, so there the output never fails.)

How the first word is dated: on PipeWire and the low-latency PulseAudio, by a recorder of the monitor at
10 ms latency. On PulseAudio with its defaults that recorder would pull the sink to low latency and hide
what a default server does, so its own default-latency recording is used: each chunk arrives after its
samples were played, so the time is an upper bound (at most one chunk, up to 2 s, late).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audio.rig import MonitorRecorder, PulseRig, Server
from tests.e2e.harness import subprocess_env

VOICEGUIDE = [sys.executable, "-m", "voiceguide"]
THRESHOLD_DB = -45.0
TONE_RATE = 22050


def seconds_to_sound(recorder: MonitorRecorder, since: float) -> float | None:
    """Seconds from `since` to the first audible sample (None: nothing was heard), once the last chunks of a
    default-latency recording are in."""
    time.sleep(2.5)
    spans = recorder.recording(since).audible_spans(THRESHOLD_DB)
    return round(float(spans[0][0] - since), 3) if spans else None


def launch(rig: PulseRig, routine: str, home: Path, events: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*VOICEGUIDE, routine, "--no-history", "--events", str(events)],
                            env=subprocess_env(rig.env, home), cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def logged(events: Path) -> list[dict]:
    return [json.loads(line) for line in events.read_text().splitlines()] if events.exists() else []


def speaker_notices(events: Path, available: bool) -> list[dict]:
    return [e for e in logged(events) if e["event"] == "device" and e["device"] == "speaker" and e["available"] == available]


def first_word_logged(events: Path, launched: float) -> float | None:
    """When the player says its first word was heard: PortAudio's time for the sample reaching the speaker."""
    started = [e["t"] for e in logged(events) if e["event"] == "speech_start"]
    return round(started[0] - launched, 3) if started else None


def bare_client_first_sound(rig: PulseRig, recorder: MonitorRecorder) -> float | None:
    """Seconds from launching `pacat` with a loud tone to its first audible sample."""
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(TONE_RATE) / TONE_RATE)).astype("<i2").tobytes()
    launched = time.monotonic()
    player = subprocess.Popen(["pacat", "--raw", f"--rate={TONE_RATE}", "--channels=1", "--format=s16le",
                               "--latency-msec=35"], env=rig.env, stdin=subprocess.PIPE)
    assert player.stdin is not None
    player.stdin.write(tone * 3)
    player.stdin.close()
    player.wait(timeout=15)
    return seconds_to_sound(recorder, launched)


def end(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=15)


def one_start(rig: PulseRig, recorder: MonitorRecorder, routine: str, home: Path, seconds: float) -> dict:
    events = home.parent / f"events-{time.monotonic_ns()}.jsonl"
    launched = time.monotonic()
    process = launch(rig, routine, home, events)
    time.sleep(seconds)
    end(process)
    return {"false_alarm": bool(speaker_notices(events, False)),
            "first_word": seconds_to_sound(recorder, launched),
            "first_word_logged": first_word_logged(events, launched)}


def recovery(rig: PulseRig, routine: str, home: Path) -> dict:
    """What happens when the speaker goes away and comes back: whether the loss was announced, and the seconds
    from its return to the "sound is back" notice and to the first audible speech (None: never)."""
    events = home.parent / "recovery.jsonl"
    process = launch(rig, routine, home, events)
    time.sleep(3.0)
    rig.unplug_speaker()
    time.sleep(4.0)
    returned = time.monotonic()
    rig.plug_speaker()
    time.sleep(8.0)
    end(process)
    audible = seconds_to_sound(rig.monitor, returned)
    back = speaker_notices(events, True)
    return {"lost_notices": len(speaker_notices(events, False)),
            "back_notice": round(back[0]["t"] - returned, 3) if back else None,
            "audible": audible}


def median_of(values: list[float]) -> float | None:
    return round(float(np.median(values)), 3) if values else None


def bench_server(server: Server, starts: int, seconds: float, routine: str) -> dict:
    results = []
    with tempfile.TemporaryDirectory() as folder, PulseRig(Path(folder) / "server", server=server) as rig:
        precise = server is not Server.PULSEAUDIO
        recorder = MonitorRecorder(rig.env, latency_msec=10) if precise else rig.monitor
        if precise:
            recorder.wait_for_audio()
        home = Path(folder) / "home"
        for number in range(starts):
            results.append(one_start(rig, recorder, routine, home, seconds))
            print(f"  {server} run {number + 1}: {results[-1]}", file=sys.stderr, flush=True)
        floor = [f for f in (bare_client_first_sound(rig, recorder) for _ in range(min(starts, 10))) if f is not None]
        print(f"  {server} pacat: {floor}", file=sys.stderr, flush=True)
        if precise:
            recorder.close()
        recovered = recovery(rig, routine, home)
    words = [r["first_word"] for r in results if r["first_word"] is not None]
    dated = [r["first_word_logged"] for r in results if r["first_word_logged"] is not None]
    return {
        "server": str(server),
        "runs": len(results),
        "false_alarms": sum(r["false_alarm"] for r in results),
        "audible": len(words),
        "first_word_median": median_of(words),
        "first_word_max": max(words, default=None),
        "within_1s": sum(w <= 1.0 for w in words),
        "first_word_cold": results[0]["first_word"] if results else None,
        "first_word_logged_median": median_of(dated),
        "first_word_logged_max": max(dated, default=None),
        "within_1s_logged": sum(w <= 1.0 for w in dated),
        "bare_client_median": median_of(floor),
        "bare_client_max": max(floor, default=None),
        "recovery": recovered,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--routine", default="heel-spur")
    parser.add_argument("--server", choices=[str(s) for s in Server], action="append")
    options = parser.parse_args()
    for server in options.server or list(Server):
        print(json.dumps(bench_server(Server(server), options.starts, options.seconds, options.routine)), flush=True)


if __name__ == "__main__":
    main()
