"""Finds routines: the built-in ones, the user's own folder, or an explicit path."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import platformdirs

from voiceguide.routine import RoutineError


@dataclass(frozen=True)
class RoutineFile:
    name: str
    path: Path
    origin: str  # "built-in" or "yours"


def builtin_folder() -> Path:
    return Path(str(resources.files("voiceguide.routines")))


def user_folder() -> Path:
    """Where a person keeps their own routines (e.g. ~/.local/share/voiceguide/routines)."""
    return Path(platformdirs.user_data_dir("voiceguide")) / "routines"


def available(user_dir: Path | None = None) -> list[RoutineFile]:
    """Every routine we can find; a user's routine of the same name comes after the built-in one."""
    found = []
    for folder, origin in ((builtin_folder(), "built-in"), (user_dir or user_folder(), "yours")):
        if folder.is_dir():
            for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
                found.append(RoutineFile(path.stem, path, origin))
    return found


def locate(name_or_path: str, user_dir: Path | None = None) -> Path:
    """The file for a routine name or path; the user's own routine wins over a built-in of the same name."""
    looks_like_path = any(sep in name_or_path for sep in ("/", "\\")) or name_or_path.endswith((".yaml", ".yml"))
    if looks_like_path:
        return Path(name_or_path)
    matches = [entry for entry in available(user_dir) if entry.name == name_or_path]
    if not matches:
        names = ", ".join(sorted({entry.name for entry in available(user_dir)})) or "none"
        raise RoutineError(
            [f"{name_or_path}: no routine has this name; known routines: {names} (or give a path to a .yaml file)"],
            missing=True,
        )
    return matches[-1].path
