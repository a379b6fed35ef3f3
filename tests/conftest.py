"""Keeps every test away from the real user's folders: config, data (history) and cache go to a temp dir."""

from __future__ import annotations

import os
import tempfile

_HOME = tempfile.mkdtemp(prefix="voiceguide-tests-")
for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[variable] = os.path.join(_HOME, variable.lower())
