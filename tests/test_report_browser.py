"""The call pages and the batch overview in a real browser: Debian's Chromium, headless, driven by
Playwright (never a downloaded browser).  No console errors, the recording loads, clicking
evidence, a marker or a transcript line seeks the recording there, every criterion is findable,
hostile transcript text stays text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.analysis import AnalysisOptions, analyse
from pipeline.outputs import audio_source, write_report, write_summary
from pipeline.report.html import to_html
from pipeline.report.json_report import to_dict
from pipeline.report.summary import build_summary
from pipeline.rubric import load_rubric

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update"]
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_calls"
CALLS = sorted(p.stem for p in (SAMPLES / "truth").glob("*.json"))

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian chromium (make test installs it as root)")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("core")


class Opened:
    """A page and every console error or uncaught exception it produced."""

    def __init__(self, browser, path: Path):
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri())

    def click_seeks(self, target, seconds: float) -> None:
        """Park the recording far from `seconds`, click `target`, expect it to seek there."""
        self.page.evaluate(
            """t => { const a = document.getElementById('player'); a.pause();
                      a.currentTime = t < a.duration / 2 ? a.duration - 0.5 : 0; }""", seconds)
        target.click()
        # The recording starts playing on a seek: allow for the little it has played since.
        self.page.wait_for_function(
            "t => Math.abs(document.getElementById('player').currentTime - t) < 0.3",
            arg=seconds, timeout=5000)

    def close(self) -> None:
        self.page.close()


def _audio_of(call_id: str) -> Path:
    return SAMPLES / json.loads((SAMPLES / "truth" / f"{call_id}.json").read_text())["audio"]


def _check_call_page(opened: Opened, criteria: list[str]) -> None:
    page = opened.page
    page.wait_for_function("document.getElementById('player').readyState > 0", timeout=10000)
    for cid in criteria:
        assert page.locator(f'tr[data-criterion="{cid}"]').count() == 1, cid
        assert page.locator(f'tr[data-criterion="{cid}"]').is_visible()
    # Every evidence lane: its topmost marker seeks to that evidence's start.
    clicked = 0
    for lane in page.locator(".lane.evidence").all():
        markers = lane.locator(".marker")
        if markers.count():
            opened.click_seeks(markers.last, float(markers.last.get_attribute("data-seek")))
            clicked += 1
    assert clicked >= 4
    # A quote in the criteria table, then a transcript line.
    quote = page.locator("table.criteria .quotes .time").last
    opened.click_seeks(quote, float(quote.get_attribute("data-seek")))
    line = page.locator(".transcript .turn").nth(2)
    opened.click_seeks(line.locator(".text"), float(line.get_attribute("data-start")))
    page.wait_for_function("el => el.classList.contains('now')", arg=line.element_handle())
    page.evaluate("document.getElementById('player').pause()")
    assert opened.errors == []


@pytest.mark.parametrize("call_id", CALLS)
def test_sample_call_page(call_id: str, browser, rubric, tmp_path: Path):
    report = analyse(SAMPLES / "truth" / f"{call_id}.json", rubric=rubric,
                     options=AnalysisOptions())
    write_report(report, tmp_path, ("html",), audio=_audio_of(call_id))
    opened = Opened(browser, tmp_path / f"{call_id}.html")
    try:
        _check_call_page(opened, [c.id for c in report.scorecard.criteria])
        assert opened.page.locator("html").get_attribute("lang") == report.transcript.language
    finally:
        opened.close()


def test_linked_recording_plays_from_beside_the_reports(browser, rubric, tmp_path: Path):
    call_id = "fr_insurance_claim"
    calls, reports = tmp_path / "my calls", tmp_path / "reports" / "week 1"
    calls.mkdir()
    reports.mkdir(parents=True)
    shutil.copy(_audio_of(call_id), calls)
    report = analyse(SAMPLES / "truth" / f"{call_id}.json", rubric=rubric,
                     options=AnalysisOptions())
    src = audio_source(calls / _audio_of(call_id).name, reports, embed_max_bytes=0)
    (reports / "page.html").write_text(to_html(report, audio_src=src), encoding="utf-8")
    opened = Opened(browser, reports / "page.html")
    try:
        _check_call_page(opened, [c.id for c in report.scorecard.criteria])
    finally:
        opened.close()


def test_hostile_transcript_stays_text(browser, rubric, tmp_path: Path):
    evil = ('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
            '<b>bold</b>')
    call = tmp_path / "hostile.json"
    call.write_text(json.dumps({"language": "en", "turns": [
        {"speaker": "agent", "start": 0.5, "end": 3.0,
         "text": f"Hello, this is Emma from Northway. {evil}"},
        {"speaker": "customer", "start": 3.5, "end": 6.0, "text": f"I want a refund {evil}"},
        {"speaker": "agent", "start": 9.5, "end": 12.0,
         "text": f"May I have your account number? {evil}"}]}), encoding="utf-8")
    report = analyse(call, rubric=rubric, options=AnalysisOptions())
    write_report(report, tmp_path, ("html",), audio=_audio_of("fr_it_helpdesk"))
    opened = Opened(browser, tmp_path / "hostile.html")
    try:
        page = opened.page
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator(".transcript img, .transcript b, .criteria b").count() == 0
        assert "<script>window.__pwned = 1</script>" in page.locator(".transcript").inner_text()
        assert opened.errors == []
    finally:
        opened.close()


def test_batch_overview_page(browser, rubric, tmp_path: Path):
    reports = []
    for i, call_id in enumerate(CALLS):
        report = analyse(SAMPLES / "truth" / f"{call_id}.json", rubric=rubric,
                         options=AnalysisOptions())
        reports.append(dict(to_dict(report), call_id=f"agent-{('emma', 'jan')[i % 2]}_{call_id}"))
    write_summary(build_summary(reports, language="en"), tmp_path)
    opened = Opened(browser, tmp_path / "summary.html")
    try:
        page = opened.page
        assert page.locator("figure.chart svg").count() == 3
        assert page.locator("table.calls tbody tr").count() == len(CALLS)
        assert page.locator("table.rates tbody tr").count() == 6
        page.locator("table.calls th", has_text="Score").click()
        cells = page.locator("table.calls tbody td:nth-child(4)").all_inner_texts()
        scores = [float(s) for s in cells]
        assert scores == sorted(scores)
        assert opened.errors == []
    finally:
        opened.close()


@pytest.mark.slow
def test_page_of_a_really_scored_call(browser, tmp_path: Path):
    """`callqa score` on a recording (Whisper, VAD, diarisation): the page it writes works."""
    from jsonschema import Draft202012Validator
    from typer.testing import CliRunner

    from pipeline.cli import app

    audio = SAMPLES / "audio" / "fr_bank.wav"
    result = CliRunner().invoke(app, ["score", str(audio), "--out", str(tmp_path),
                                      "--format", "json,html,md"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "fr_bank.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(schema).iter_errors(report))
    opened = Opened(browser, tmp_path / "fr_bank.html")
    try:
        _check_call_page(opened, [c["id"] for c in report["criteria"]])
        duration = opened.page.evaluate("document.getElementById('player').duration")
        assert abs(duration - report["duration_s"]) < 0.2
    finally:
        opened.close()
