"""End-to-end figures from a real `voiceguide` process on a private PulseAudio, steered by a spoken voice.

    .venv/bin/python bench/e2e.py [--runs N] [--echo-routine heel-spur]

Each run starts a fresh PulseAudio rig (tests/audio/rig.py) and plays two sessions through the e2e
harness (tests/e2e/harness.py):
- the short routine, steered by "ready", "time left", "next", "go back", "repeat", "skip" and a "pause"
  said over the player's speech;
- the echo routine, whose own words are full of commands (or heel-spur), with the speaker leaking into
  the microphone at a laptop's level and the person saying only "ready" where the routine waits.
Figures come from the recorded monitor and the --events log, both on the monotonic clock:
response (end of a spoken command to the start of the player's answer, heard in the recording),
pause-to-silence (the pause decision to the end of the interrupted words, by matching the recording
against the phrase the player rendered), first audible word after launch, false commands per hour of
the player's own speech leaking back, and the process's CPU share and peak resident memory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.audio.rig import PulseRig
from tests.audio.speaking import matching_until, onset
from tests.e2e.harness import (
    ECHO_ROUTINE,
    LAPTOP_LEAK_GAIN,
    SHORT_ROUTINE,
    Dialogue,
    Voice,
    VoiceguideRun,
    cached_speech,
    kind,
    saying,
    subprocess_env,
)

TICKS_PER_SECOND = 100  # /proc/PID/stat counts CPU time in clock ticks (USER_HZ)


class ProcessMeter:
    """CPU seconds and peak resident memory of a running process, from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc status")


def steered_session(rig: PulseRig, folder: Path, figures: dict[str, list[float]]) -> None:
    """Figures up to the first failure (a command misheard or not heard twice), which is reported."""
    try:
        _steered(rig, folder, figures)
    except AssertionError as error:
        lines = str(error).splitlines()
        print("the steered session stopped early:", *lines[:1], *lines[-6:], sep="\n  ", file=sys.stderr)
        figures["steered sessions stopped early"].append(1)


def _steered(rig: PulseRig, folder: Path, figures: dict[str, list[float]]) -> None:
    voice = Voice(rig)
    run = VoiceguideRun(SHORT_ROUTINE, folder, subprocess_env(rig.env, folder / "home"), "--no-checkin", "--no-history")
    try:
        first = onset(rig.monitor.record_until_quiet(run.launched_at, timeout=10), run.launched_at)
        figures["first audible word after launch (s)"].append(first - run.launched_at)
        talk = Dialogue(run, voice)
        talk.when_quiet(run.events.wait_for(saying("Say ready when you are set."))["t"])
        meter = ProcessMeter(run.process.pid)
        cpu_from, clock_from = meter.cpu_seconds(), time.monotonic()

        def respond(command: str, answer: str, after_phase: tuple[str, int, dict] | None = None) -> dict:
            """Say `command`, measure how soon its answer is heard; returns the answer's "say" event.
            `after_phase` (phase, part, an earlier answer): first wait for that phase, reached after it."""
            if after_phase:
                phase, part, since = after_phase
                talk.when_quiet(run.events.wait_for(kind("state", phase=phase, part=part), since["t"])["t"])
            spoken, decision = talk.command(command)
            said = run.events.wait_for(saying(answer), decision["t"], timeout=5)
            figures["response: command end to first sound (s)"].append(
                onset(rig.monitor.record_until_quiet(spoken.end, timeout=4), spoken.end) - spoken.end
            )
            figures["response: command end to the answer's words (s)"].append(run.events.audible(said) - spoken.end)
            return said

        # Each early in a 10 s hold, so that the hold does not end (and the player talk) meanwhile.
        toe_pull = respond("ready", "Toe pull.")
        calf = respond("next", "Calf stretch. Lean on the wall", ("timing", 1, toe_pull))
        talk.when_quiet(respond("time", "Calf stretch, left side, ", ("timing", 2, calf))["t"])
        instruction = respond("back", "Toe pull. Loop the towel")
        time.sleep(max(0.0, run.events.audible(instruction) + 1.5 - time.monotonic()))  # well into its words
        _, paused = talk.command("pause")
        time.sleep(1.0)
        recording = rig.monitor.recording(paused["t"] - 1.5)
        stopped = matching_until(recording, *cached_speech(run), playing_at=paused["t"])
        figures["pause decision to silence (s)"].append(stopped - paused["t"])
        talk.when_quiet(paused["t"])
        figures["CPU share of one core while listening"].append(
            (meter.cpu_seconds() - cpu_from) / (time.monotonic() - clock_from)
        )
        figures["peak resident memory (MB)"].append(meter.peak_rss_mb())
    finally:
        run.close()


def echo_session(rig: PulseRig, folder: Path, figures: dict[str, list[float]], routine: str | Path) -> None:
    """The routine to its end with the speaker leaking into the microphone; the person only says "ready"
    where the routine waits for it (and "continue" if something paused it). Every other command taken
    is one the player gave itself."""
    run = VoiceguideRun(routine, folder, subprocess_env(rig.env, folder / "home"), "--no-checkin", "--no-history")
    said = 0
    try:
        talk = Dialogue(run, Voice(rig))
        deadline = time.monotonic() + 40 * 60
        while not run.events.find(kind("finished")) and time.monotonic() < deadline:
            states = run.events.all(kind("state"))
            state = states[-1] if states else None
            if state and (state["phase"] == "waiting" or state["paused"]) and not talk.speaking():
                talk.when_quiet(state["t"])
                try:
                    talk.command("resume" if state["paused"] else "ready")
                except AssertionError as error:  # misheard: counted below like any command taken
                    print(f"echo session: {str(error).splitlines()[0]}", file=sys.stderr)
                said += 1
            time.sleep(0.2)
        events = run.events.read()
        starts = {e["id"]: e["t"] for e in events if e["event"] == "speech_start"}
        spoken = sum(e["t"] - starts[e["id"]] for e in events if e["event"] == "speech_done" and e["id"] in starts)
        taken = [e for e in events if e["event"] == "heard"]
        figures["echo: player speech leaking back (s)"].append(spoken)
        figures["echo: false commands"].append(max(0, len(taken) - said))
    finally:
        run.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--echo-routine", default=str(ECHO_ROUTINE),
        help="routine played with the speaker leaking back (heel-spur: about 20 minutes a run)",
    )
    options = parser.parse_args()
    figures: dict[str, list[float]] = {
        name: []
        for name in (
            "first audible word after launch (s)",
            "response: command end to first sound (s)",
            "response: command end to the answer's words (s)",
            "pause decision to silence (s)",
            "CPU share of one core while listening",
            "peak resident memory (MB)",
            "commands said again (not heard the first time)",
            "steered sessions stopped early",
            "echo: player speech leaking back (s)",
            "echo: false commands",
        )
    }
    with tempfile.TemporaryDirectory(prefix="voiceguide-e2e-bench-") as scratch:
        for number in range(options.runs):
            root = Path(scratch) / f"run{number}"
            with PulseRig(root / "pulse") as rig:
                steered_session(rig, root / "steered", figures)
                rig.leak_speaker(LAPTOP_LEAK_GAIN)
                echo_session(rig, root / "echo", figures, options.echo_routine)
            print(f"run {number + 1} of {options.runs} done", file=sys.stderr)
    print(f"end-to-end, {options.runs} runs; echo sessions with the speaker leaking in at gain {LAPTOP_LEAK_GAIN}")
    for name, values in figures.items():
        if not values:
            continue
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"  {name}: median {statistics.median(values):.3f}, p95 {p95:.3f}, max {max(values):.3f} (n={len(values)})")
    leaked_hours = sum(figures["echo: player speech leaking back (s)"]) / 3600
    false = sum(figures["echo: false commands"])
    print(f"  false commands per hour of the player's own speech: {false / leaked_hours:.1f} "
          f"({false:g} in {leaked_hours * 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
