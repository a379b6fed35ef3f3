"""`voiceguide models list|download LANG|path [LANG]`: the speech models of the backends that use them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from voiceguide.adapters.backends import backends
from voiceguide.adapters.model_download import ModelError, download
from voiceguide.adapters.model_store import find_model, installed_models
from voiceguide.exit_codes import ExitCode


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
            out.write(_nothing_installed() + "\n")
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


def _nothing_installed() -> str:
    """What listens when no model is installed, from the registry: "No vosk model is installed; ..."."""
    with_models = [b.name for b in backends().values() if b.find_model is not None]
    built_in = [
        f"{' and '.join(b.built_in.values())} uses the built-in {b.name}"
        for b in backends().values()
        if b.built_in
    ]
    return f"No {' or '.join(with_models)} model is installed; {'; '.join(built_in) or 'nothing listens'}."
