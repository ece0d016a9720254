"""`methex serve` driven in a real headless Chromium (Debian's chromium + chromedriver through
selenium; nothing is downloaded). Skips when the browser is not installed.

Screenshots of the three pages go to tests/artifacts/ (gitignored) for a human to look at.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixture_db import build_fixture_db
from serve_helpers import XSS_ID, add_hostile_paper, live_server

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="chromium and chromedriver are not installed "
                                "(apt-get install -y chromium chromium-driver)")
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from extractor.schemas.catalog import load_schema
    from extractor.serve import create_app

    path = tmp_path_factory.mktemp("serve") / "serve.db"
    db = build_fixture_db(path)
    add_hostile_paper(db)
    with live_server(create_app(db, load_schema(), reviewer="browser-test")) as url:
        yield url, path


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="methex-chromium-")
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                "--window-size=1280,1000"):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.implicitly_wait(5)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _shot(drv, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    drv.save_screenshot(str(ARTIFACTS / name))


def _rows(drv) -> list[str]:
    from selenium.webdriver.common.by import By
    return [a.text for a in drv.find_elements(By.CSS_SELECTOR, "table.papers tbody td:first-child a")]


def _click_and_load(drv, element) -> None:
    """Click a link or submit button and wait until the next page replaced this one: reading
    right after the click can catch the old page's elements as they go (a stale reference)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    old = drv.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(drv, 10).until(ec.staleness_of(old))


def _current_field(drv) -> str:
    from selenium.webdriver.common.by import By
    return drv.find_element(By.CSS_SELECTOR, ".item.current").get_attribute("data-field")


def test_filter_open_review_reload_export(served, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, dbfile = served
    drv = browser
    drv.get(url + "/")
    assert _rows(drv) == ["paper_a", "paper_b", "paper_c", XSS_ID]
    _shot(drv, "papers.png")

    # filter by a field value, as `methex query --where frameworks=pytorch`
    Select(drv.find_element(By.NAME, "wf")).select_by_value("frameworks")
    Select(drv.find_element(By.NAME, "wo")).select_by_value("=")
    drv.find_element(By.NAME, "wv").send_keys("pytorch")
    _click_and_load(drv, drv.find_element(By.CSS_SELECTOR, "form.filter button"))
    assert _rows(drv) == ["paper_a", "paper_b", XSS_ID]
    assert "frameworks=pytorch" in drv.find_element(By.CSS_SELECTOR, ".chips").text

    # open a paper: the evidence quote is highlighted inside its passage
    drv.find_element(By.LINK_TEXT, "paper_a").click()
    marks = drv.find_elements(By.CSS_SELECTOR, "#f-frameworks mark")
    assert [m.text for m in marks] == ["The model was implemented in PyTorch"]
    passage = drv.find_element(By.CSS_SELECTOR, "#f-frameworks blockquote.passage").text
    assert "trained on one NVIDIA RTX 3090 GPU" in passage   # the quote's neighbourhood
    meta = drv.find_element(By.CSS_SELECTOR, "#f-frameworks .item p.meta").text
    assert "page 2" in meta and "exact match" in meta

    # keyboard: j/k move value by value; a accepts the current value
    drv.get(url + "/paper/paper_a#f-frameworks")
    assert _current_field(drv) == "frameworks"
    body = drv.find_element(By.TAG_NAME, "body")
    body.send_keys("j")
    assert _current_field(drv) == "hardware"
    body.send_keys("k")
    assert _current_field(drv) == "frameworks"
    body.send_keys("a")
    assert "review of frameworks recorded" in drv.find_element(By.CSS_SELECTOR, "p.ok").text

    # correct a value: a quote the paper does not contain is refused and nothing changes
    drv.get(url + "/paper/paper_a#f-hardware")
    assert _current_field(drv) == "hardware"
    drv.find_element(By.TAG_NAME, "body").send_keys("c")
    form = drv.find_element(By.CSS_SELECTOR, "#f-hardware details.correct[open] form")
    new_value = form.find_element(By.NAME, "new_value")
    assert drv.switch_to.active_element == new_value
    new_value.send_keys("NVIDIA RTX 3090")
    form.find_element(By.NAME, "quote").send_keys("trained on two NVIDIA RTX 3090 GPUs")
    form.find_element(By.NAME, "note").send_keys("the GPU model, not the device class")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert "quote not found" in drv.find_element(By.CSS_SELECTOR, "p.error").text
    form = drv.find_element(By.CSS_SELECTOR, "#f-hardware details.correct[open] form")
    assert form.find_element(By.NAME, "new_value").get_attribute("value") == "NVIDIA RTX 3090"
    quote = form.find_element(By.NAME, "quote")
    quote.clear()
    quote.send_keys("Trained on one NVIDIA RTX 3090 GPU")     # case may differ, as in review
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert "review of hardware recorded" in drv.find_element(By.CSS_SELECTOR, "p.ok").text

    # reload: both decisions are there
    drv.refresh()
    drv.execute_script("document.getElementById('f-frameworks').scrollIntoView()")
    _shot(drv, "paper.png")
    fw = drv.find_element(By.ID, "f-frameworks")
    assert "accepted" in fw.find_element(By.CSS_SELECTOR, ".item h3").text
    hw = drv.find_element(By.ID, "f-hardware")
    assert [h.text.split("\n")[0] for h in hw.find_elements(By.CSS_SELECTOR, ".item h3")] == \
        ["NVIDIA RTX 3090 set by review"]
    assert hw.find_element(By.CSS_SELECTOR, "mark").text == "trained on one NVIDIA RTX 3090 GPU"
    history = hw.find_element(By.CSS_SELECTOR, "details.history")
    history.click()
    assert "the GPU model, not the device class" in history.text
    drv.find_element(By.TAG_NAME, "body").send_keys("j")

    # methex export sees the same decisions
    from extractor.cli import cli
    out = tmp_path / "export.jsonl"
    res = CliRunner().invoke(cli, ["export", "--db", str(dbfile), "-o", str(out)])
    assert res.exit_code == 0, res.output
    rec = {json.loads(line)["doc_id"]: json.loads(line) for line in out.read_text().splitlines()}
    assert rec["paper_a"]["fields"]["frameworks"]["values"] == ["PyTorch"]
    assert rec["paper_a"]["fields"]["hardware"]["values"] == ["NVIDIA RTX 3090"]


def test_field_overview_bar_opens_matching_papers(served, browser):
    from selenium.webdriver.common.by import By

    url, _ = served
    drv = browser
    drv.get(url + "/fields")
    _shot(drv, "fields.png")
    chart = drv.find_element(By.ID, "c-frameworks")
    labels = [t.text for t in chart.find_elements(By.CSS_SELECTOR, "text.label")]
    counts = [t.text for t in chart.find_elements(By.CSS_SELECTOR, "text.count")]
    assert dict(zip(labels, counts)) == {"PyTorch": "3", "scikit-learn": "1"}
    _click_and_load(drv, chart.find_element(By.CSS_SELECTOR, "a rect.bar"))
    assert _rows(drv) == ["paper_a", "paper_b", XSS_ID]


def test_paper_text_with_script_stays_text(served, browser):
    from selenium.webdriver.common.by import By

    url, _ = served
    drv = browser
    drv.get(url + "/paper/" + XSS_ID)
    assert drv.title.startswith(XSS_ID)                      # the title's script did not run
    assert drv.execute_script("return document.body.dataset.pwned") is None
    assert "<script>document.title='pwned'</script>" in drv.find_element(By.TAG_NAME, "h1").text
    mark = drv.find_element(By.CSS_SELECTOR, "#f-frameworks mark").text
    assert "<script>document.body.dataset.pwned='2'</script>" in mark
    drv.get(url + "/")
    assert drv.execute_script("return document.body.dataset.pwned") is None
