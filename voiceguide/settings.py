"""Voice settings (which voice, how fast, how loud), kept between sessions in the user's config folder.

A person who said "slower" once should not have to say it again every morning, so every spoken
adjustment is saved. Flags (`--voice`, `--rate`, `--volume`) override the saved values for one run.
The file is small JSON; a missing or damaged file means the defaults, never a failure to start.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from voiceguide.messages import VoiceSetting

log = logging.getLogger(__name__)

RATE_DEFAULT = 160  # words per minute: calm and clear for someone following along on the floor
RATE_MIN, RATE_MAX, RATE_STEP = 80, 400, 20
VOLUME_DEFAULT = 1.0  # gain on the rendered speech; 1.0 is espeak-ng's own level
VOLUME_MIN, VOLUME_MAX = 0.1, 1.5  # above 1.5 the loudest syllables would clip
VOLUME_STEP_DB = 3.0  # loudness is heard on a log scale, so steps are in decibels


@dataclass(frozen=True)
class VoiceSettings:
    """`voice` is an espeak-ng voice (id, short id or name, see `voiceguide voices`); None picks the
    routine's language. `rate` is in words per minute, `volume` is a gain (1.0 = as rendered)."""

    voice: str | None = None
    rate: int = RATE_DEFAULT
    volume: float = VOLUME_DEFAULT

    def __post_init__(self) -> None:
        if not RATE_MIN <= self.rate <= RATE_MAX:
            raise ValueError(f"the speaking rate must be between {RATE_MIN} and {RATE_MAX} words per minute")
        if not VOLUME_MIN <= self.volume <= VOLUME_MAX:
            raise ValueError(f"the volume must be between {VOLUME_MIN} and {VOLUME_MAX}")
        if self.voice is not None and not self.voice.strip():
            raise ValueError("a voice name cannot be empty")

    def with_overrides(
        self, voice: str | None = None, rate: int | None = None, volume: float | None = None
    ) -> VoiceSettings:
        """These settings with the given flags applied (None leaves a value as it is)."""
        return replace(
            self,
            voice=self.voice if voice is None else voice,
            rate=self.rate if rate is None else rate,
            volume=self.volume if volume is None else volume,
        )

    def adjusted(self, setting: VoiceSetting, steps: int) -> VoiceSettings:
        """`steps` steps faster/louder (positive) or slower/quieter (negative), stopping at the limits."""
        if setting is VoiceSetting.RATE:
            return replace(self, rate=min(RATE_MAX, max(RATE_MIN, self.rate + steps * RATE_STEP)))
        gain = self.volume * 10 ** (steps * VOLUME_STEP_DB / 20)
        return replace(self, volume=round(min(VOLUME_MAX, max(VOLUME_MIN, gain)), 3))

    def at_limit(self, setting: VoiceSetting, steps: int) -> bool:
        """True when adjusting would change nothing, so the player can say "that is the slowest"."""
        return self.adjusted(setting, steps) == self


def default_settings_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("voiceguide")) / "voice.json"


class SettingsFile:
    """Loads and saves VoiceSettings as JSON; problems are logged and fall back to defaults."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_settings_path()

    def load(self) -> VoiceSettings:
        """The saved settings; any value that is missing or invalid takes its default."""
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return VoiceSettings()
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            log.warning("ignoring the voice settings in %s: %s", self.path, error)
            return VoiceSettings()
        if not isinstance(saved, dict):
            log.warning("ignoring the voice settings in %s: not a JSON object", self.path)
            return VoiceSettings()
        settings = VoiceSettings()
        for name, kind in (("voice", str), ("rate", int), ("volume", float)):
            value = saved.get(name)
            if value is None:
                continue
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if type(value) is not kind or (kind is float and not math.isfinite(value)):
                log.warning("ignoring %s=%r in %s", name, value, self.path)
                continue
            try:
                settings = replace(settings, **{name: value})
            except ValueError as error:
                log.warning("ignoring %s=%r in %s: %s", name, value, self.path, error)
        return settings

    def save(self, settings: VoiceSettings) -> None:
        """Write atomically (a crash mid-write leaves the old file, never half a file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
        os.replace(partial, self.path)
