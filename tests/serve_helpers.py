"""Helpers for the `methex serve` tests: a live server in a thread, and a paper whose text is
hostile HTML (written for these tests)."""
from __future__ import annotations

import hashlib
import socket
import threading
import time
from contextlib import contextmanager

from fixture_db import RUN_STARTED, add_group_result, add_run

XSS_ID = "paper_x"
XSS_TITLE = "<script>document.title='pwned'</script>Hostile title"
XSS_TEXT = ("Detecting frogs <img src=x onerror=\"document.body.dataset.pwned='1'\"> in ponds. "
            "The network was implemented in PyTorch <script>document.body.dataset.pwned='2'"
            "</script> on a laptop. ")
XSS_QUOTE = "implemented in PyTorch <script>document.body.dataset.pwned='2'</script>"


def add_hostile_paper(db) -> None:
    """A paper whose title and text carry script; its frameworks evidence quotes the script."""
    c = db.conn
    with c:
        c.execute("INSERT INTO documents (id, path, sha256, doi, title, pages, chars, status,"
                  " reason, text, page_starts, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                  [XSS_ID, "corpus/x.txt", hashlib.sha256(XSS_TEXT.encode()).hexdigest(), None,
                   XSS_TITLE, None, len(XSS_TEXT), "ok", None, XSS_TEXT, None, RUN_STARTED])
        c.execute('INSERT INTO chunks (doc_id, ord, page, start, "end", text) VALUES'
                  " (?,?,?,?,?,?)", [XSS_ID, 0, None, 0, len(XSS_TEXT), XSS_TEXT])
    run_id = add_run(db, "rules", "rules-v1")
    add_group_result(db, run_id, XSS_ID, "software",
                     {"frameworks": [("PyTorch", XSS_QUOTE, "exact")]})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app):
    """Run an ASGI app with uvicorn on 127.0.0.1:<free port> in a thread; yield its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
