"""OpenAIBackend against a real llama_cpp.server (OpenAI-compatible) serving SmolLM2-135M."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from llm_fixtures import assert_well_formed, need, smollm2_path, training_task

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    model = smollm2_path()
    try:
        import fastapi, pydantic_settings, sse_starlette, starlette_context, uvicorn  # noqa

    except ImportError as e:
        need(f"llama-cpp-python[server] extras are missing ({e}); run .ci/install_local.sh")
    from extractor.backends.llama import default_threads
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
             "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
             "--n_threads", str(default_threads()), "--n_threads_batch", str(default_threads())],
            stdout=fh, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n"
                            f"{log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as r:
                    model_id = json.load(r)["data"][0]["id"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not answer within 60 s:\n"
                                f"{log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.5)
        yield base, model_id
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_openai_backend_on_local_server(server, monkeypatch):
    from extractor.backends.openai_compat import OpenAIBackend
    base, model_id = server
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)   # local servers need no key
    be = OpenAIBackend(model_id, base_url=base, max_tokens=512, timeout=120)
    assert be.mode == "TOOLS" and be.name == "openai" and be.model == model_id
    task = training_task()
    out = be.extract(task)
    assert_well_formed(out, task)


def test_unreachable_server_is_a_backend_error():
    from extractor.backends.base import BackendError
    from extractor.backends.openai_compat import OpenAIBackend
    be = OpenAIBackend("m", base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=0,
                       timeout=5)
    with pytest.raises(BackendError, match="request failed"):
        be.extract(training_task())


def test_settings_never_contain_the_key(monkeypatch):
    from extractor.backends.openai_compat import OpenAIBackend
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-test-value")
    be = OpenAIBackend("gpt-4o-mini")
    assert "sk-secret" not in json.dumps(be.settings) and "sk-secret" not in repr(be)
    assert be.settings["mode"] == "TOOLS"
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        OpenAIBackend("gpt-4o-mini")
    with pytest.raises(ValueError, match="unknown instructor mode"):
        OpenAIBackend("m", base_url="http://localhost:1/v1", mode="telepathy")
