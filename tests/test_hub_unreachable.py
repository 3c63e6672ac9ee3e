"""A hub id on a machine that cannot reach the hub fails at once with the actionable error,
instead of after a minute of per-file retries; a hub that answers (even "not found") is left to
the libraries. The hub is played by 127.0.0.1: a closed port, then a tiny server."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest
from conftest import run_cli

MODEL_ID = "no-such-org/no-such-model-xyz"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is: connections are refused


def hub_env(tmp_path, endpoint: str) -> dict[str, str]:
    # HF_HUB_OFFLINE=0: the libraries try the network; an empty cache, so nothing is found locally.
    return {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": endpoint, "HF_HOME": str(tmp_path / "hf-home")}


def run_with_hub_model(tmp_path, env):
    return run_cli(
        "run",
        "model=distilbart-cnn-12-6",
        f"model.pretrained={MODEL_ID}",
        "dataset.limit=1",
        f"results_dir={tmp_path / 'results'}",
        env=env,
        check=False,
        timeout=300,
    )


def test_unreachable_hub_fails_fast_with_the_local_folder_hint(tmp_path):
    proc = run_with_hub_model(tmp_path, hub_env(tmp_path, f"http://127.0.0.1:{closed_port()}"))
    assert proc.returncode != 0
    assert "the hub is unreachable from here" in proc.stderr
    assert "set model.pretrained to a local folder" in proc.stderr


class NotFound(http.server.BaseHTTPRequestHandler):
    requests_seen: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.requests_seen.append(self.path)
        body = b'{"error": "Repository not found"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Error-Code", "RepoNotFound")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


@pytest.fixture
def not_found_hub():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    NotFound.requests_seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_hub_that_answers_is_not_called_unreachable(tmp_path, not_found_hub):
    proc = run_with_hub_model(tmp_path, hub_env(tmp_path, not_found_hub))
    assert proc.returncode != 0
    assert "set model.pretrained to a local folder" in proc.stderr
    assert "unreachable" not in proc.stderr
    assert any(MODEL_ID in path for path in NotFound.requests_seen)  # the probe and the load asked it
