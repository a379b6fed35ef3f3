"""`voiceguide validate` and `voiceguide models path` as a user runs them."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import voiceguide

ROUTINE = "name: my-calves\ntitle: Calves\nsummary: S.\nsteps:\n  - kind: rest\n    duration: {}\n"


def test_validate_takes_a_routine_name_or_a_path(tmp_path: Path) -> None:
    mine = tmp_path / "my-calves.yaml"
    mine.write_text(ROUTINE.format("1m30s"), encoding="utf-8")
    checked = voiceguide("validate", "heel-spur", str(mine))
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.splitlines() == ["heel-spur: OK", f"{mine}: OK"]
    unknown = voiceguide("validate", "no-such-routine")
    assert unknown.returncode == 66
    assert unknown.stdout.startswith("no-such-routine: no routine has this name; known routines: ")


def test_a_negative_duration_has_its_own_message_and_exit_code_65(tmp_path: Path) -> None:
    mine = tmp_path / "my-calves.yaml"
    mine.write_text(ROUTINE.format("-30s"), encoding="utf-8")
    checked = voiceguide("validate", str(mine))
    assert checked.returncode == 65
    assert checked.stdout.splitlines() == [
        f"{mine}:6:5: steps[1].duration: a duration cannot be negative; write how long it lasts, such as 30s"]


def test_models_path_names_the_language_to_download(tmp_path: Path) -> None:
    shown = voiceguide("models", "path", "fr", "--model", str(tmp_path))
    assert shown.returncode == 66
    assert "try: voiceguide models download fr." in shown.stderr and "LANG" not in shown.stderr
