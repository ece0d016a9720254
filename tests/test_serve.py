"""`methex serve` without a browser: pages, review writes, and the security rules (loopback or
token, CSRF, escaping of paper text, parameterised filters)."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from fixture_db import add_group_result, add_run, build_fixture_db
from serve_helpers import XSS_ID, add_hostile_paper

LOCAL = "http://127.0.0.1"


@pytest.fixture
def db(tmp_path):
    return build_fixture_db(tmp_path / "s.db")


def _app(db, **kw):
    from extractor.schemas.catalog import load_schema
    from extractor.serve import create_app
    return create_app(db, load_schema(), reviewer="tester", **kw)


@pytest.fixture
def client(db):
    app = _app(db)
    c = TestClient(app, base_url=LOCAL)
    c.csrf = app.app.state.site.csrf
    return c


def _doc_links(html: str) -> list[str]:
    return re.findall(r'<td><a href="/paper/([^"]+)">', html)


def _reviews(db):
    return db.execute("SELECT field, action, value, note, reviewer FROM reviews ORDER BY id"
                      ).fetchall()


# --- pages ----------------------------------------------------------------------------------

def test_papers_list_counts_and_filters(client):
    r = client.get("/")
    assert r.status_code == 200
    assert _doc_links(r.text) == ["paper_a", "paper_b", "paper_c"]
    row_a = re.search(r'paper_a</a></td>.*?</tr>', r.text, re.S).group(0)
    # reported, unknown, not extracted, conflicting, reviewed (software + training groups)
    assert re.findall(r'class="n[^"]*">(\d+)<', row_a) == ["4", "4", "20", "0", "0"]
    assert _doc_links(client.get("/?where=frameworks=pytorch").text) == ["paper_a", "paper_b"]
    assert _doc_links(client.get("/?wf=hardware&wo=~&wv=v100").text) == ["paper_b"]
    assert _doc_links(client.get("/?where=frameworks=pytorch&where=optimizer=SGD").text) == \
        ["paper_b"]
    assert _doc_links(client.get("/?q=BIRD").text) == ["paper_b"]
    assert _doc_links(client.get("/?q=10.1234/a").text) == ["paper_a"]


def test_bad_filter_is_a_clear_400(client):
    r = client.get("/?where=framework=PyTorch")
    assert r.status_code == 400 and "unknown field &#39;framework&#39;" in r.text
    # an injection attempt is only ever a value compared with bound parameters
    r = client.get("/", params={"where": "frameworks=x' OR '1'='1"})
    assert r.status_code == 200 and _doc_links(r.text) == []


def test_paper_page_shows_evidence_unknowns_and_rejected_on_demand(client):
    r = client.get("/paper/paper_a")
    assert r.status_code == 200
    assert "<mark>The model was implemented in PyTorch</mark> and trained on one" in r.text
    assert "page 2 · chars" in r.text and "exact match" in r.text
    assert "rules / rules-v1, run 1" in r.text
    assert "3 passages read" in r.text              # an unknown field shows what was read
    assert "quote not found in the document" not in r.text
    r = client.get("/paper/paper_a?rejected=1")
    assert "rejected by verification" in r.text and "quote not found in the document" in r.text
    assert client.get("/paper/no_such_paper").status_code == 404


def test_field_overview_counts_and_links(client):
    r = client.get("/fields")
    chart = re.search(r'id="c-frameworks".*?</section>', r.text, re.S).group(0)
    assert re.findall(r'<a href="/\?where=([^"]+)">', chart) == ["frameworks%3DPyTorch",
                                                                 "frameworks%3Dscikit-learn"]
    assert "3 of 3 papers report it" in chart
    assert client.get("/fields/optimizer").status_code == 200
    assert client.get("/fields/nope").status_code == 404


def test_conflicting_counts_fields_where_backends_disagree(db, client):
    run = add_run(db, "openai", "gpt-test")
    add_group_result(db, run, "paper_b", "software",
                     {"frameworks": [("Pytorch", "implemented in Pytorch", "exact")],
                      "hardware": [("NVIDIA Tesla V100", "a single NVIDIA Tesla V100 card",
                                    "normalized")]})
    add_group_result(db, run, "paper_a", "software",
                     {"frameworks": [("PyTorch", "The model was implemented in PyTorch",
                                      "exact")]})     # hardware now unknown for this backend
    r = client.get("/")
    counts = {d: re.search(rf'{d}</a></td>.*?</tr>', r.text, re.S).group(0) for d in
              ("paper_a", "paper_b")}
    assert re.findall(r'class="n[^"]*">(\d+)<', counts["paper_a"])[3] == "1"
    assert re.findall(r'class="n[^"]*">(\d+)<', counts["paper_b"])[3] == "0"
    assert 'title="backends disagree on this field">conflicting' in \
        client.get("/paper/paper_a").text


# --- review ---------------------------------------------------------------------------------

def _post(client, **data):
    return client.post("/review", data={"csrf": client.csrf, "doc_id": "paper_a", **data},
                       follow_redirects=False)


def test_accept_reject_and_correct_land_in_reviews(db, client):
    r = _post(client, field="frameworks", action="accept", value="PyTorch", note="checked")
    assert r.status_code == 303 and r.headers["location"] == \
        "/paper/paper_a?reviewed=frameworks#f-frameworks"
    assert _post(client, field="optimizer", action="reject", value="Adam").status_code == 303
    r = _post(client, field="hardware", action="correct", value="NVIDIA RTX 3090 GPU",
              new_value="RTX 3090", quote="one nvidia rtx 3090 GPU")
    assert r.status_code == 303
    assert _reviews(db) == [
        ("frameworks", "accept", "PyTorch", "checked", "tester"),
        ("optimizer", "reject", "Adam", None, "tester"),
        ("hardware", "set", "RTX 3090", None, "tester"),
        ("hardware", "reject", "NVIDIA RTX 3090 GPU", "corrected to 'RTX 3090'", "tester")]
    page = client.get("/paper/paper_a").text
    assert "set by review" in page and "<mark>one NVIDIA RTX 3090 GPU</mark>" in page
    # an unknown field gets a value the same way, with no old value to reject
    r = _post(client, field="data_collection", action="correct", value="",
              new_value="camera traps", quote="camera traps deployed across 40 forest sites")
    assert r.status_code == 303 and _reviews(db)[-1][:3] == ("data_collection", "set",
                                                             "camera traps")


def test_review_errors_write_nothing_and_keep_the_form(db, client):
    r = _post(client, field="hardware", action="correct", value="NVIDIA RTX 3090 GPU",
              new_value="RTX 4090", quote="trained on one NVIDIA RTX 4090")
    assert r.status_code == 400 and "quote not found in the text of paper_a" in r.text
    assert 'value="RTX 4090"' in r.text and "<details class=\"correct\" open>" in r.text
    r = _post(client, field="frameworks", action="accept", value="Keras")
    assert r.status_code == 400 and "not a current value of frameworks" in r.text
    r = _post(client, field="frameworks", action="delete", value="PyTorch")
    assert r.status_code == 400 and "action must be one of" in r.text
    r = _post(client, field="hardware", action="correct", value="x", new_value=" ", quote="q")
    assert r.status_code == 400 and "the corrected value is empty" in r.text
    assert _reviews(db) == []


# --- security -------------------------------------------------------------------------------

def test_csrf_missing_or_wrong_token_is_refused(db, client):
    form = {"doc_id": "paper_a", "field": "frameworks", "action": "reject", "value": "PyTorch"}
    r = client.post("/review", data=form, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/review", data={**form, "csrf": "guessed"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/review", data={**form, "csrf": client.csrf},
                    headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert r.status_code == 403 and "cross-site" in r.text
    assert _reviews(db) == []
    assert client.get("/review").status_code == 405          # writes are POST only


def test_paper_text_with_script_is_escaped(db, client):
    add_hostile_paper(db)
    for path in ("/", f"/paper/{XSS_ID}", "/?q=hostile"):
        html = client.get(path).text
        assert "<script>document" not in html and "onerror=\"document" not in html
    page = client.get(f"/paper/{XSS_ID}").text
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;Hostile title" in page
    assert "<mark>implemented in PyTorch &lt;script&gt;" in page
    csp = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_only_loopback_host_names_without_token(client):
    assert client.get("/").status_code == 200
    assert client.get("http://localhost/").status_code == 200
    r = client.get("http://attacker.example/")           # DNS rebinding to 127.0.0.1
    assert r.status_code == 403


def test_token_required_on_every_request(db):
    c = TestClient(_app(db, token="s3cret"), base_url="http://192.0.2.7:8023")
    assert c.get("/").status_code == 401
    assert c.get("/paper/paper_a").status_code == 401
    assert c.get("/static/methex.css").status_code == 401
    assert c.get("/?token=wrong").status_code == 401
    assert c.get("/?token=\u00e9").status_code == 401        # non-ASCII is just wrong
    r = c.get("/fields?token=s3cret", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/fields"
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
    assert c.get("/paper/paper_a").status_code == 200         # the cookie carries it now
    bare = TestClient(_app(db, token="s3cret"), base_url="http://192.0.2.7:8023")
    assert bare.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_check_bind():
    from extractor.serve import ServeError, check_bind
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(host, None)
    for host in ("0.0.0.0", "192.168.1.5", "::"):
        with pytest.raises(ServeError, match="without a token"):
            check_bind(host, None)
    check_bind("0.0.0.0", "tok")


# --- CLI ------------------------------------------------------------------------------------

def test_cli_serve_refuses_public_bind_without_token(db, tmp_path, monkeypatch):
    from extractor.cli import cli
    monkeypatch.delenv("METHEX_SERVE_TOKEN", raising=False)
    res = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "s.db"), "--host", "0.0.0.0"])
    assert res.exit_code == 1 and "refusing to listen on 0.0.0.0 without a token" in res.output
    assert "Traceback" not in res.output


def test_cli_serve_needs_an_existing_database(tmp_path):
    from extractor.cli import cli
    missing = tmp_path / "none.db"
    res = CliRunner().invoke(cli, ["serve", "--db", str(missing)])
    assert res.exit_code == 1 and "database not found" in res.output and not missing.exists()


def test_cli_serve_reports_a_busy_port(db, tmp_path):
    import socket
    from extractor.cli import cli
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "s.db"),
                                       "--port", str(port)])
    assert res.exit_code == 1 and f"cannot listen on 127.0.0.1:{port}" in res.output
