"""Fetching a vosk model: from the official model list, checked against its md5, installed atomically.

The archive is extracted into a temporary folder beside the destination (refusing entries that
escape it) and renamed into place, so a half-finished download never looks like a model.
"""

from __future__ import annotations

import hashlib
import json
import os
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

from voiceguide.adapters.model_store import MARKER, is_model, user_models_dir
from voiceguide.commands import base_language

MODEL_LIST_URL = "https://alphacephei.com/vosk/models/model-list.json"
MODEL_LIST_ENV = "VOICEGUIDE_MODEL_LIST_URL"  # overrides MODEL_LIST_URL (tests, mirrors)
TIMEOUT = 20.0


class ModelError(Exception):
    """A model could not be found, fetched or installed; the message is one plain sentence."""


@dataclass(frozen=True)
class AvailableModel:
    name: str
    language: str
    url: str
    md5: str
    size: int


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
