"""``lamm-model predict --api-base``: a real ``transformers serve`` on loopback serving the tiny models, and
small stdlib servers that fail (500s, hangs, dropped connections). Works without torch."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lamm_bench.fingerprint import read
from lamm_data.catalog import BENCHMARKS, resolve
from lamm_model.backends.api import ApiBackend
from lamm_model.backends.openai_api import ApiError, ApiOptions
from lamm_model.backends.procedure import Procedure
from lamm_model.backends.runner import run

REPO = Path(__file__).resolve().parents[2]
TWO_D = [b for b in BENCHMARKS if resolve(b).modality == "image"]
ONE_PASS = ["Classification_CIFAR10", "OCR_SVT", "Caption_flickr30k"]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a real server ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["llava", "gemma3"])
def served(request, tiny_vlm, tmp_path_factory) -> Iterator[tuple[str, Path, str]]:
    """``(family, model folder, base URL)`` of ``transformers serve`` on loopback, offline."""
    model = tiny_vlm(request.param)
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    with open(log, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "transformers.cli.transformers", "serve", str(model),
                                 "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
                                env=env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "transformers serve did not start"
            time.sleep(0.5)
        yield request.param, model, base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow
@pytest.mark.integration
def test_served_model_gives_the_same_answers_as_hf(served, model_root: Path, tmp_path: Path) -> None:
    from lamm_model.backends.hf import HFBackend, HFOptions

    _family, model, base = served
    hf, api = tmp_path / "hf.jsonl", tmp_path / "api.jsonl"
    run(HFBackend(HFOptions(str(model), batch_size=8, device="cpu", max_new_tokens=6)), str(model_root), ["2D"], hf,
        procedure=Procedure(), items_per_call=8)
    run(ApiBackend(ApiOptions(base, str(model), max_new_tokens=6, timeout=120)), str(model_root), ["2D"], api,
        procedure=Procedure(), workers=4)
    assert hf.read_bytes() == api.read_bytes()  # same texts, same order
    assert {line["benchmark"] for line in _lines(api)} == set(TWO_D)
    assert read(api)["backend"] == {"kind": "api", "model": str(model), "api_model": str(model)}


# --- servers that fail -----------------------------------------------------------------------------


class FakeChat:
    """A stdlib chat-completions server answering ``echo <sha of the prompt>``; ``behave(attempt, text)`` picks
    ``ok``, ``500``, ``429``, ``hang`` or ``drop`` for the attempt-th request with this prompt (``text`` is the
    query and the sha256 of the image)."""

    def __init__(self, behave: Callable[[int, str], str]) -> None:
        self.behave = behave
        self.attempts: Counter[str] = Counter()
        self.answered: list[str] = []
        self.headers: list[str] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                user = body["messages"][-1]["content"]
                text = user[-1]["text"] + " @" + hashlib.sha256(user[0]["image_url"]["url"].encode()).hexdigest()
                with outer.lock:
                    outer.attempts[text] += 1
                    attempt = outer.attempts[text]
                    outer.headers.append(self.headers.get("Authorization", ""))
                action = outer.behave(attempt, text)
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "hang":
                    time.sleep(3)
                    return
                if action in ("500", "429"):
                    self.send_response(int(action))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answer = "echo " + hashlib.sha256(text.encode()).hexdigest()[:8]
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with outer.lock:
                    outer.answered.append(text)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeChat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _api_run(base: str, root: Path, out: Path, workers: int = 4, **options) -> None:
    opts = {"max_new_tokens": 4, "timeout": 5.0, "retries": 3, "backoff": 0.01, **options}
    run(ApiBackend(ApiOptions(base, "fake", **opts)), str(root), ONE_PASS, out,
        procedure=Procedure("lamm", vqa_two_pass=False), workers=workers)


def _expected(texts_answered: list[str], out: Path) -> None:
    answers = {"echo " + hashlib.sha256(t.encode()).hexdigest()[:8] for t in texts_answered}
    assert {line["text"] for line in _lines(out)} <= answers


def test_retries_500_and_429_then_completes(model_root: Path, tmp_path: Path) -> None:
    with FakeChat(lambda attempt, text: {1: "500", 2: "429"}.get(attempt, "ok")) as server:
        _api_run(server.base, model_root, tmp_path / "p.jsonl")
    lines = _lines(tmp_path / "p.jsonl")
    assert len(lines) == 10 and set(server.attempts.values()) == {3}
    _expected(server.answered, tmp_path / "p.jsonl")


def test_dropped_connections_are_retried(model_root: Path, tmp_path: Path) -> None:
    with FakeChat(lambda attempt, text: "drop" if attempt <= 2 else "ok") as server:
        _api_run(server.base, model_root, tmp_path / "p.jsonl")
    assert len(_lines(tmp_path / "p.jsonl")) == 10 and set(server.attempts.values()) == {3}


def test_a_hanging_server_fails_clearly_and_keeps_finished_answers(model_root: Path, tmp_path: Path) -> None:
    stuck: list[str] = []

    def behave(attempt: int, text: str) -> str:
        if not stuck and "CIFAR" not in text and "caption" not in text.lower():
            stuck.append(text)  # the first OCR item hangs, every time
        return "hang" if stuck and text == stuck[0] else "ok"

    out = tmp_path / "p.jsonl"
    with FakeChat(behave) as server, pytest.raises(ApiError, match=r"no answer within --timeout 0\.5 s; gave up "
                                                                    r"after 2 attempts"):
        _api_run(server.base, model_root, out, timeout=0.5, retries=1)
    lines = _lines(out)
    assert len(lines) == len(server.answered) >= 4  # every answered item was written
    _expected(server.answered, out)
    # resuming against a healthy server completes the file
    with FakeChat(lambda attempt, text: "ok") as healthy:
        _api_run(healthy.base, model_root, out)
    assert len(_lines(out)) == 10 and len(healthy.answered) == 10 - len(lines)


def test_a_server_that_always_fails_stops_the_run(model_root: Path, tmp_path: Path) -> None:
    with FakeChat(lambda attempt, text: "500") as server, pytest.raises(ApiError, match="HTTP 500; gave up after 4"):
        _api_run(server.base, model_root, tmp_path / "p.jsonl", workers=1)
    assert sum(server.attempts.values()) == 4 and _lines(tmp_path / "p.jsonl") == []


NO_TORCH = """
import sys
sys.modules['torch'] = None  # any import of torch now raises ImportError
sys.modules['transformers'] = None
from lamm_model.cli import main
sys.argv = ['lamm-model', 'predict', *sys.argv[1:]]
try:
    main()
finally:
    assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]
"""


def test_api_path_runs_without_torch_and_never_shows_the_key(model_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO), "MY_LAMM_KEY": "sk-secret-123"}
    env.pop("OPENAI_API_KEY", None)
    with FakeChat(lambda attempt, text: "ok") as server:
        done = subprocess.run([sys.executable, "-c", NO_TORCH, "--api-base", server.base, "--api-model", "fake",
                               "--api-key-env", "MY_LAMM_KEY", "--root", str(model_root), "--benchmark", "all",
                               "--out", str(out), "--concurrency", "4", "--max-new-tokens", "4"],
                              env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "3D benchmarks skipped: this model takes images only" in done.stdout
    assert {line["benchmark"] for line in _lines(out)} == set(TWO_D)
    assert set(server.headers) == {"Bearer sk-secret-123"}
    for text in (done.stdout, done.stderr, out.read_text(), (tmp_path / "p.jsonl.fingerprint.json").read_text()):
        assert "sk-secret" not in text


def test_api_modules_import_without_torch() -> None:
    code = ("import sys\nsys.modules['torch'] = None\nsys.modules['transformers'] = None\n"
            "import lamm_model.backends.api, lamm_model.backends.command, lamm_model.backends.runner\nprint('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
