"""A real, non-editable build: the wheel carries the package and the built-in routines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_wheel_ships_the_routines_and_runs_outside_the_checkout(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("voiceguide-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for routine in ("heel-spur", "high-heels", "foot-massage", "morning-legs"):
        assert f"voiceguide/routines/{routine}.yaml" in names
    assert "voiceguide/cli.py" in names and not any(name.startswith("tests/") for name in names)

    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    result = subprocess.run([sys.executable, "-m", "voiceguide", "list"], cwd=tmp_path, capture_output=True,
                            text=True, check=False, env={**os.environ, "PYTHONPATH": str(installed)})
    assert result.returncode == 0, result.stderr
    assert [line.split("  ")[0] for line in result.stdout.splitlines()][:4] == [
        "foot-massage", "heel-spur", "high-heels", "morning-legs"]


def test_ci_runs_the_readme_test_command_and_setup_rejects_an_unknown_mode():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = re.findall(r"```sh\n(bash scripts/setup\.sh[^\n]*)\n```", readme)
    assert quick_start == ["bash scripts/setup.sh && .venv/bin/voiceguide heel-spur",
                           "bash scripts/setup.sh --test && .venv/bin/python -m pytest -q"]
    assert quick_start[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    wrong = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), "--tests"], capture_output=True, text=True,
                           check=False)
    assert wrong.returncode == 2 and "unknown option '--tests'" in wrong.stderr
