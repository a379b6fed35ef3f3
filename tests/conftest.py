"""Keeps every test away from the real user's folders and models.

Each test gets its own config, data (history, routines, models) and cache folders, no VOICEGUIDE_MODEL
and an empty `models/` in place of the checkout's, so what a developer has installed never changes a
result. Subprocesses inherit the environment. The folders are also set once at import, for fixtures
that run before the per-test ones.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceguide.adapters import model_store

USER_FOLDERS = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")

_HOME = tempfile.mkdtemp(prefix="voiceguide-tests-")
for variable in USER_FOLDERS:
    os.environ[variable] = os.path.join(_HOME, variable.lower())
os.environ.pop(model_store.MODEL_ENV, None)


@pytest.fixture(autouse=True)
def isolated_user_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """platformdirs' folders point into a fresh temporary folder for this test alone."""
    home = tmp_path_factory.mktemp("user")
    for variable in USER_FOLDERS:
        monkeypatch.setenv(variable, str(home / variable.lower()))
    monkeypatch.delenv(model_store.MODEL_ENV, raising=False)
    monkeypatch.setattr(model_store, "CHECKOUT_MODELS", home / "checkout-models")
    yield home
