"""`voiceguide history` as a user runs it: a session still playing, bad --limit and --plot paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import DATA, voiceguide


def test_a_session_still_playing_is_shown_as_running_and_as_interrupted_once_killed(tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    playing = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", str(DATA / "tiny.yaml"), "--text", "--keys-only", "--no-checkin",
         "--history", str(database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert playing.stdout is not None
    try:
        while "Say ready" not in playing.stdout.readline():  # the session has started and waits
            pass
        running = voiceguide("history", "--history", str(database)).stdout.strip()
        assert running.split("  ")[3] == "running"
    finally:
        playing.kill()
        playing.wait(timeout=10)
    after_kill = voiceguide("history", "--history", str(database)).stdout.strip()
    assert after_kill.split("  ")[3] == "interrupted"


@pytest.mark.parametrize("limit", ["0", "-3", "two"])
def test_a_limit_that_is_not_a_positive_number_is_a_one_sentence_usage_error(tmp_path: Path, limit: str) -> None:
    shown = voiceguide("history", "--history", str(tmp_path / "history.sqlite3"), f"--limit={limit}")
    assert shown.returncode == 2
    assert shown.stderr.splitlines() == [
        (f"voiceguide history: argument --limit: {limit!r} is not a number of sessions; give a whole number, "
         "1 or more; see 'voiceguide history --help'.")
    ]


def test_a_plot_into_a_missing_folder_is_a_one_sentence_usage_error(tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    voiceguide(str(DATA / "tiny.yaml"), "--text", "--keys-only", "--no-checkin", "--history", str(database),
               stdin="ready\n")
    target = tmp_path / "charts" / "pain.png"
    shown = voiceguide("history", "--history", str(database), "--plot", str(target))
    assert shown.returncode == 2
    assert shown.stderr.splitlines() == [
        f"Cannot draw to {target}: there is no folder {target.parent}; create it or choose another path."
    ]
    assert not target.parent.exists()
