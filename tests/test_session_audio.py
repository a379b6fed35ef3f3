"""A real `voiceguide` run whose sound output dies part way through: the rest plays as text, in rhythm."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.audio.rig import PulseRig

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.audio


def test_a_sound_output_that_dies_mid_routine_leaves_the_routine_running_in_text(tmp_path: Path) -> None:
    events_file = tmp_path / "events.jsonl"
    with PulseRig(tmp_path / "doomed") as doomed:
        process = subprocess.Popen(
            [sys.executable, "-m", "voiceguide", str(DATA / "small.yaml"), "--keys-only", "--no-checkin",
             "--no-history", "--events", str(events_file)],
            env={**doomed.env, "XDG_CACHE_HOME": str(tmp_path / "cache")},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert process.stdin is not None and process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if "Say ready" in line:
                process.stdin.write("ready\n")
                process.stdin.flush()
            if line.startswith("Calf stretch. Lean on the wall. Left side."):
                time.sleep(1.0)
                died = time.monotonic()
                doomed.close()
                break
    rest, _ = process.communicate(timeout=90)
    lines += rest.splitlines()
    assert process.returncode == 0
    notice = next(line for line in lines if "Carrying on in text until it is back." in line)
    after = lines[lines.index(notice) + 1:]
    assert "Switch sides." in after and after[-1] == "All done."
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    said_after = {e["id"]: e for e in events if e["event"] == "say" and e["t"] > died + 1.5}
    done_after = {e["id"]: e["t"] for e in events if e["event"] == "speech_done" and e["id"] in said_after}
    long_lines = [i for i, e in said_after.items() if len(e["text"].split()) >= 5]
    assert long_lines and all(done_after[i] - said_after[i]["t"] > 1.0 for i in long_lines)  # read out, not rushed


def test_a_spoken_adjustment_is_kept_for_the_next_session(tmp_path: Path) -> None:
    config = tmp_path / "config"
    with PulseRig(tmp_path / "rig") as rig:
        finished = subprocess.run(
            [sys.executable, "-m", "voiceguide", str(DATA / "tiny.yaml"), "--keys-only", "--no-checkin",
             "--no-history", "--rate", "200", "--events", str(tmp_path / "events.jsonl")],
            env={**rig.env, "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(config)},
            input="slower\nquieter\nready\n", capture_output=True, text=True, timeout=90, check=False,
        )
    assert finished.returncode == 0, finished.stderr
    # acknowledged (though "ready", typed at once after, cuts the answers before they are heard or written)
    said = [event["text"] for event in map(json.loads, (tmp_path / "events.jsonl").read_text().splitlines())
            if event["event"] == "say"]
    assert "Slower." in said and "Quieter." in said
    saved = json.loads((config / "voiceguide" / "voice.json").read_text())
    assert saved["rate"] == 180 and saved["volume"] < 1.0
