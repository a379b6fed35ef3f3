"""Fixtures for the end-to-end tests: a sound server of each test's own (PulseAudio with its defaults unless a
test asks for another `server`), the person's voice, and a launcher for `voiceguide` processes that are
always ended when the test is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.audio.rig import PulseRig, RigError, Server
from tests.e2e.harness import Voice, VoiceguideRun, subprocess_env

Launch = Callable[..., VoiceguideRun]


@pytest.fixture
def server() -> Server:
    """The server people most often have; a test parametrizes `server` to run on others."""
    return Server.PULSEAUDIO


@pytest.fixture
def rig(tmp_path: Path, server: Server) -> Iterator[PulseRig]:
    """A fresh server per test: leaks, unplugged microphones and recordings never carry over."""
    try:
        started = PulseRig(tmp_path / "pulse", server=server).start()
    except RigError as error:
        pytest.fail(f"the PulseAudio test rig could not start: {error}", pytrace=False)
    yield started
    started.close()


@pytest.fixture
def voice(rig: PulseRig) -> Voice:
    return Voice(rig)


@pytest.fixture
def launch(rig: PulseRig, tmp_path: Path) -> Iterator[Launch]:
    """launch(routine, *options) starts voiceguide on the rig, with user folders inside the test's folder."""
    runs: list[VoiceguideRun] = []

    def start(routine: str | Path, *options: str) -> VoiceguideRun:
        folder = tmp_path / f"run{len(runs)}"
        run = VoiceguideRun(routine, folder, subprocess_env(rig.env, folder / "home"), *options)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.close()
