"""`voiceguide hear`: the recognizer over WAV files, one JSON line per command, clear errors."""

from __future__ import annotations

import io
import json
import shutil
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from test_recognition import clip, speak

from voiceguide.hear import hear, read_wav

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def write(path: Path, pcm: bytes, channels: int = 1, rate: int = 16_000) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return path


def test_prints_one_json_line_per_command(tmp_path: Path) -> None:
    wav = write(tmp_path / "a.wav", clip(0.8, speak("stop"), 1.0, speak("what can I say"), 1.0))
    out, err = io.StringIO(), io.StringIO()
    assert hear([wav], engine="pocketsphinx", out=out, err=err) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["command"] for line in lines] == ["stop", "help"]
    assert set(lines[0]) == {"file", "command", "text", "at", "confidence"}
    assert lines[0]["file"] == str(wav) and 1.0 < lines[0]["at"] < lines[1]["at"]
    assert 0.0 <= lines[0]["confidence"] <= 1.0 and err.getvalue() == ""


def test_each_file_starts_fresh_and_other_sample_rates_are_resampled(tmp_path: Path) -> None:
    audio = np.frombuffer(clip(0.8, speak("repeat"), 1.0), dtype=np.int16).astype(np.float64)
    at_22k = np.interp(np.arange(0, len(audio) / 16_000, 1 / 22_050), np.arange(len(audio)) / 16_000, audio)
    slow = write(tmp_path / "b.wav", at_22k.astype(np.int16).tobytes(), rate=22_050)
    out = io.StringIO()
    assert hear([slow, slow], out=out, err=io.StringIO()) == 0
    assert [json.loads(line)["command"] for line in out.getvalue().splitlines()] == ["repeat", "repeat"]


@pytest.mark.parametrize("rate", [22_050, 44_100, 48_000])
def test_resampling_keeps_speech_bands_and_drops_what_would_fold_back(tmp_path: Path, rate: int) -> None:
    seconds = np.arange(rate) / rate
    low, high = (8000 * np.sin(2 * np.pi * f * seconds) for f in (1000, 0.6 * rate))  # high folds to < 8 kHz
    files = [
        write(tmp_path / f"{name}.wav", tone.astype(np.int16).tobytes(), rate=rate)
        for name, tone in (("low", low), ("high", high))
    ]
    read = [np.frombuffer(read_wav(path), np.int16) for path in files]
    level = [float(np.sqrt(np.mean(tone[1000:-1000].astype(np.float64) ** 2))) for tone in read]
    assert level[0] == pytest.approx(8000 / np.sqrt(2), rel=0.02)
    assert level[1] < 8000 / np.sqrt(2) / 100  # at least 40 dB down


def write_extensible(path: Path, pcm: bytes, rate: int = 16_000) -> Path:
    """A 16-bit mono WAV with a WAVE_FORMAT_EXTENSIBLE header, as ffmpeg and some recorders write them."""
    pcm_guid = bytes.fromhex("0100000000001000800000aa00389b71")
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 1, rate, 2 * rate, 2, 16, 22, 16, 0x4) + pcm_guid
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def test_a_wav_with_an_extensible_header_is_read(tmp_path: Path) -> None:
    extensible = write_extensible(tmp_path / "extensible.wav", clip(0.8, speak("stop"), 1.0))
    with pytest.raises(wave.Error):
        wave.open(str(extensible)).close()  # what Python's wave module alone cannot read
    out, err = io.StringIO(), io.StringIO()
    assert hear([extensible], out=out, err=err) == 0, err.getvalue()
    assert json.loads(out.getvalue())["command"] == "stop"


def test_missing_file_is_66_and_the_rest_still_runs(tmp_path: Path) -> None:
    good = write(tmp_path / "good.wav", clip(0.8, speak("stop"), 1.0))
    out, err = io.StringIO(), io.StringIO()
    assert hear([tmp_path / "nope.wav", good], out=out, err=err) == 66
    assert err.getvalue().strip() == f"{tmp_path / 'nope.wav'}: no such file."
    assert json.loads(out.getvalue())["command"] == "stop"


@pytest.mark.parametrize("kind", ["text", "stereo"])
def test_bad_audio_is_one_line_and_65(tmp_path: Path, kind: str) -> None:
    if kind == "text":
        bad = tmp_path / "notes.wav"
        bad.write_text("not audio")
    else:
        bad = write(tmp_path / "stereo.wav", bytes(64_000), channels=2)
    err = io.StringIO()
    assert hear([bad], out=io.StringIO(), err=err) == 65
    assert len(err.getvalue().splitlines()) == 1 and str(bad) in err.getvalue()


def test_no_engine_for_the_language_is_69() -> None:
    err = io.StringIO()
    assert hear(["x.wav"], language="fr", out=io.StringIO(), err=err) == 69
    assert "keys still work" in err.getvalue()
