"""Voice settings: limits, spoken adjustments, and the file that keeps them between sessions."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceguide.messages import VoiceSetting
from voiceguide.settings import (
    RATE_DEFAULT,
    RATE_MAX,
    RATE_MIN,
    RATE_STEP,
    VOLUME_MAX,
    VOLUME_MIN,
    SettingsFile,
    VoiceSettings,
    default_settings_path,
)


def test_slower_and_faster_move_the_rate_by_one_step_each() -> None:
    settings = VoiceSettings()
    assert settings.adjusted(VoiceSetting.RATE, -1).rate == RATE_DEFAULT - RATE_STEP
    assert settings.adjusted(VoiceSetting.RATE, +2).rate == RATE_DEFAULT + 2 * RATE_STEP


def test_louder_and_quieter_move_by_three_decibels() -> None:
    settings = VoiceSettings(volume=0.5)
    assert settings.adjusted(VoiceSetting.VOLUME, -1).volume == pytest.approx(0.354, abs=0.001)
    assert settings.adjusted(VoiceSetting.VOLUME, +1).volume == pytest.approx(0.706, abs=0.001)


def test_adjusting_stops_at_the_limits_and_says_so() -> None:
    fastest = VoiceSettings(rate=RATE_MAX)
    assert fastest.adjusted(VoiceSetting.RATE, +1) == fastest
    assert fastest.at_limit(VoiceSetting.RATE, +1)
    assert not fastest.at_limit(VoiceSetting.RATE, -1)
    assert VoiceSettings(volume=VOLUME_MAX).at_limit(VoiceSetting.VOLUME, +1)
    assert VoiceSettings().adjusted(VoiceSetting.VOLUME, -50).volume == VOLUME_MIN


@given(steps=st.lists(st.tuples(st.sampled_from(list(VoiceSetting)), st.integers(-5, 5)), max_size=30))
def test_any_sequence_of_adjustments_stays_within_the_limits(steps: list[tuple[VoiceSetting, int]]) -> None:
    settings = VoiceSettings()
    for setting, count in steps:
        settings = settings.adjusted(setting, count)  # constructing would raise if a limit were crossed
    assert RATE_MIN <= settings.rate <= RATE_MAX
    assert VOLUME_MIN <= settings.volume <= VOLUME_MAX


def test_flags_override_saved_values_and_are_checked() -> None:
    saved = VoiceSettings(voice="en-us", rate=200, volume=0.8)
    assert saved.with_overrides(rate=120) == VoiceSettings(voice="en-us", rate=120, volume=0.8)
    assert saved.with_overrides() == saved
    with pytest.raises(ValueError, match="words per minute"):
        saved.with_overrides(rate=1000)
    with pytest.raises(ValueError, match="volume"):
        saved.with_overrides(volume=0.0)
    with pytest.raises(ValueError, match="voice"):
        saved.with_overrides(voice=" ")


def test_saved_settings_come_back(tmp_path: Path) -> None:
    store = SettingsFile(tmp_path / "deep" / "voice.json")
    settings = VoiceSettings(voice="gmw/en-us", rate=140, volume=0.707)
    store.save(settings)
    assert store.load() == settings
    assert [path.name for path in store.path.parent.iterdir()] == ["voice.json"]  # no partial file left


def test_no_file_means_defaults(tmp_path: Path) -> None:
    assert SettingsFile(tmp_path / "voice.json").load() == VoiceSettings()


def test_a_damaged_file_means_defaults_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "voice.json"
    path.write_text("{not json")
    with caplog.at_level(logging.WARNING):
        assert SettingsFile(path).load() == VoiceSettings()
    assert str(path) in caplog.text


def test_each_bad_value_is_dropped_on_its_own(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "voice.json"
    path.write_text(json.dumps({"voice": "en-us", "rate": 9999, "volume": "loud", "unknown": 1}))
    with caplog.at_level(logging.WARNING):
        loaded = SettingsFile(path).load()
    assert loaded == VoiceSettings(voice="en-us")
    assert "rate=9999" in caplog.text and "volume='loud'" in caplog.text


def test_a_whole_number_volume_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "voice.json"
    path.write_text(json.dumps({"volume": 1}))
    assert SettingsFile(path).load().volume == 1.0


def test_the_file_lives_in_the_user_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_settings_path() == tmp_path / "voiceguide" / "voice.json"
