"""The recognizer backends: one registry for the CLI's --engine, `voiceguide models`, bench/ and the start-up line.

Each backend lives in one adapter file named `*_listener.py` that declares `BACKEND = Backend(...)`:
its name, the package it needs, what it can do, how it finds its model and its own tuning. Its speech
library is imported only when the engine loads, so reading the registry stays fast. Adding an engine
means adding one such file; nothing else names the engines.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from voiceguide import adapters
from voiceguide.commands import base_language
from voiceguide.decoding import Engine, Tuning


class NoListenerError(Exception):
    """Nothing can listen (no engine, no model, no sound system); the message is one plain sentence."""


@dataclass(frozen=True)
class Capabilities:
    grammar: bool  # decodes against the command grammar, so only commands come out
    spotting: bool  # finds barge-in phrases inside speech while the player itself talks
    streaming: bool  # decodes audio as it arrives, so a decision follows the end of speech at once


@dataclass(frozen=True)
class Backend:
    name: str
    packages: tuple[str, ...]  # the Python packages its engine library (and built-in model) come from
    capabilities: Capabilities
    load: Callable[[str, Path | None], Engine]  # (language, model folder) -> a loaded engine
    rank: int  # preference when nothing is asked for: the lowest usable rank listens
    # Languages it understands with nothing to install (code: name); others need a model from `find_model`.
    built_in: Mapping[str, str] = field(default_factory=dict)
    find_model: Callable[[str, Path | None], Path | None] | None = None
    tuning: Tuning = field(default_factory=Tuning)

    @property
    def installed(self) -> bool:
        return all(importlib.util.find_spec(package) is not None for package in self.packages)


@functools.cache
def backends() -> dict[str, Backend]:
    """Every backend declared in voiceguide/adapters, in order of preference."""
    found = []
    for module in pkgutil.iter_modules(adapters.__path__):
        if module.name.endswith("_listener"):
            declared = getattr(importlib.import_module(f"{adapters.__name__}.{module.name}"), "BACKEND", None)
            if isinstance(declared, Backend):
                found.append(declared)
    return {backend.name: backend for backend in sorted(found, key=lambda b: b.rank)}


def engine_names() -> tuple[str, ...]:
    return tuple(backends())


@dataclass(frozen=True)
class EngineChoice:
    """Which engine will listen, with what, and the sentence that tells the user so."""

    engine: str
    language: str
    model: Path | None
    sentence: str


def choose_engine(language: str, engine: str | None = None, model: Path | None = None) -> EngineChoice:
    """The asked-for engine, or the most preferred one that can listen in `language` here."""
    if model is not None and not model.is_dir():
        raise NoListenerError(f"There is no speech model folder at {model}.")
    if engine is not None:
        return _usable(backends()[engine], language, model, asked=True)
    for backend in backends().values():
        try:
            return _usable(backend, language, model, asked=False)
        except NoListenerError:
            continue
    raise NoListenerError(
        f"No speech model for {language} is installed, so voice commands are off; keys still work."
        f" To listen: voiceguide models download {language}."
    )


def _usable(backend: Backend, language: str, model: Path | None, asked: bool) -> EngineChoice:
    if not backend.installed:
        raise NoListenerError(f"{backend.name} is not installed, so it cannot listen.")
    found = backend.find_model(language, model) if backend.find_model is not None else None
    if found is not None:
        sentence = f"Voice commands: {backend.name}, with the model in {found}."
        return EngineChoice(backend.name, language, found, sentence)
    if base_language(language) in backend.built_in:
        downloadable = [b.name for b in backends().values() if b.find_model is not None and b.installed]
        better = (
            "" if asked or not downloadable else " For better recognition: voiceguide models download en."
        )
        return EngineChoice(backend.name, language, None, f"Voice commands: {backend.name}, built in.{better}")
    if backend.find_model is not None:
        raise NoListenerError(
            f"No {backend.name} speech model for {language} is installed;"
            f" try: voiceguide models download {language}."
        )
    raise NoListenerError(f"{backend.name} only understands {' and '.join(backend.built_in.values())}.")


def load_engine(choice: EngineChoice) -> Engine:
    """Load the chosen engine (slow: seconds for a vosk model); run it off the main thread."""
    return backends()[choice.engine].load(choice.language, choice.model)


def tuning_for(choice: EngineChoice) -> Tuning:
    return backends()[choice.engine].tuning
