"""The coach's batch overview: rows per call, pass rates, agents, dead air, CSV and HTML, the
`callqa summary` command and the overview `callqa score` writes for a folder."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.outputs import write_summary
from pipeline.report.summary import (AgentSource, SummaryError, build_summary, load_reports,
                                     read_metadata, to_csv)

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parent.parent / "sample_calls"


def _report(call_id: str, score: float, verdict: str, statuses: dict[str, str],
            dead_air: tuple[float, ...] = (), language: str = "fr") -> dict:
    return {
        "schema_version": "1", "call_id": call_id, "source": f"{call_id}.wav",
        "duration_s": 60.0, "language": language, "channels": 1,
        "rubric": {"id": "core", "version": "1.0"}, "turns": [],
        "silences": [{"start": 10.0, "end": 10.0 + d, "duration_s": d, "kind": "dead_air"}
                     for d in dead_air] + [{"start": 30, "end": 50, "duration_s": 20,
                                            "kind": "hold"}],
        "criteria": [{"id": k, "title": k.title(), "status": v, "evidence": [],
                      "competences": [], "feedback": ""} for k, v in statuses.items()],
        "score": score, "verdict": verdict,
    }


REPORTS = [
    _report("agent-marie_0001", 90, "OK", {"greeting": "met", "objections": "not_applicable"}),
    _report("agent-marie_0002", 50, "NOK", {"greeting": "partial", "objections": "met"},
            dead_air=(6.2, 3.1)),
    _report("agent-jan_0003", 70, "OK", {"greeting": "not_met", "objections": "not_met"},
            dead_air=(2.5,), language="nl"),
    _report("no_agent_here", 100, "OK", {"greeting": "met", "objections": "not_applicable"}),
]


def test_summary_rows_rates_and_agents():
    summary = build_summary(REPORTS)
    assert [r.call_id for r in summary.rows] == sorted(r["call_id"] for r in REPORTS)
    assert {r.call_id: r.agent for r in summary.rows}["agent-jan_0003"] == "jan"
    assert {r.call_id: r.agent for r in summary.rows}["no_agent_here"] == ""
    greeting, objections = summary.criteria
    assert dict(greeting.counts) == {"met": 2, "partial": 1, "not_met": 1, "not_applicable": 0}
    assert greeting.pass_rate == 0.5
    assert objections.applicable == 2 and objections.pass_rate == 0.5
    marie = next(a for a in summary.agents if a.agent == "marie")
    assert (marie.calls, marie.mean_score, marie.ok_rate) == (2, 70, 0.5)
    # Holds are not dead air; the longest dead air of a call ranks it.
    assert [(r.call_id, r.longest_dead_air_s) for r in summary.longest_dead_air] == [
        ("agent-marie_0002", 6.2), ("agent-jan_0003", 2.5)]
    assert summary.language == "fr" and summary.mean_score == 77.5 and summary.ok_rate == 0.75


def test_criterion_titles_follow_the_overview_language():
    fr = _report("a", 80, "OK", {"greeting": "met"})
    en = dict(_report("b", 80, "OK", {"greeting": "met"}), language="en")
    fr["criteria"][0]["title"], en["criteria"][0]["title"] = "Se présente", "Introduces"
    assert build_summary([en, fr, fr]).criteria[0].title == "Se présente"
    assert build_summary([fr, en], language="en").criteria[0].title == "Introduces"
    assert build_summary([fr, en], language="en").language == "en"


def test_csv_has_one_row_per_call_and_a_status_column_per_criterion():
    rows = list(csv.DictReader(io.StringIO(to_csv(build_summary(REPORTS)))))
    assert len(rows) == 4
    assert rows[0] == {"call_id": "agent-jan_0003", "agent": "jan", "duration_s": "60.00",
                       "score": "70.0", "verdict": "OK", "longest_dead_air_s": "2.50",
                       "greeting": "not_met", "objections": "not_met"}


def test_csv_cells_from_names_cannot_run_as_spreadsheet_formulas():
    reports = [_report('=HYPERLINK("http://evil","x")', 70, "OK", {"greeting": "met"}),
               _report("-2+3", 60, "NOK", {"greeting": "met"})]
    rows = list(csv.DictReader(io.StringIO(to_csv(build_summary(reports)))))
    assert {r["call_id"] for r in rows} == {"'=HYPERLINK(\"http://evil\",\"x\")", "'-2+3"}
    assert all(not r["call_id"].startswith(("=", "-")) for r in rows)


def test_metadata_csv_names_the_agents(tmp_path: Path):
    meta = tmp_path / "agents.csv"
    meta.write_text("call_id,agent,team\nno_agent_here.wav,Sophie,B\nagent-jan_0003,Jan P.,A\n",
                    encoding="utf-8")
    agents = AgentSource(by_call=read_metadata(meta))
    summary = build_summary(REPORTS, agents=agents)
    assert {r.call_id: r.agent for r in summary.rows} == {
        "agent-jan_0003": "Jan P.", "agent-marie_0001": "marie", "agent-marie_0002": "marie",
        "no_agent_here": "Sophie"}
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(SummaryError, match="call_id and agent"):
        read_metadata(bad)
    with pytest.raises(SummaryError, match="regular expression"):
        AgentSource(pattern="agent-(")


def test_overview_page_and_csv_are_written(tmp_path: Path):
    for report in REPORTS:
        (tmp_path / f"{report['call_id']}.json").write_text(json.dumps(report), "utf-8")
    (tmp_path / "agent-marie_0001.html").write_text("<p>page</p>", "utf-8")
    (tmp_path / "transcript.json").write_text('{"turns": []}', "utf-8")  # not a report
    summary = build_summary(load_reports(tmp_path))
    assert len(summary.rows) == 4
    html_path = write_summary(summary, tmp_path)[1]
    page = html_path.read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "Vue d&#39;ensemble du lot" in page
    assert page.count("<svg") == 3                     # scores, pass rates, agents
    assert 'href="agent-marie_0001.html"' in page      # only pages that exist are linked
    assert 'href="agent-marie_0002.html"' not in page
    assert not any(ref.startswith(("http:", "https:", "//"))
                   for ref in _attribute_values(page, "src") + _attribute_values(page, "href"))


def test_names_from_files_render_inert(tmp_path: Path):
    evil = "agent-<script>alert(1)<\\script>$x$_0001"
    summary = build_summary([_report(evil, 80, "OK", {"greeting": "met"}),
                             _report("agent-b_0002", 60, "NOK", {"greeting": "not_met"})])
    page = write_summary(summary, tmp_path)[1].read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page


def test_summary_command(tmp_path: Path):
    for report in REPORTS:
        (tmp_path / f"{report['call_id']}.json").write_text(json.dumps(report), "utf-8")
    result = runner.invoke(app, ["summary", str(tmp_path), "--report-language", "en"])
    assert result.exit_code == 0, result.output
    assert "4 calls" in result.output
    assert "Batch overview" in (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert (tmp_path / "summary.csv").read_text(encoding="utf-8").count("\n") == 5
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["summary", str(empty)])
    assert result.exit_code == 2 and "no callqa report" in " ".join(result.output.split())


def test_score_writes_the_overview_for_a_folder_only(tmp_path: Path):
    calls = tmp_path / "calls"
    calls.mkdir()
    # The sample calls' reference transcripts, as if three calls of two agents.
    for i, source in enumerate(sorted((SAMPLES / "truth").glob("*.json"))[:3]):
        shutil.copy(source, calls / f"agent-{'ab'[i % 2]}_{source.name}")
    result = runner.invoke(app, ["score", str(calls), "--out", str(tmp_path / "out"),
                                 "--format", "json,html"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "out" / "summary.csv").open(encoding="utf-8")))
    assert sorted(r["agent"] for r in rows) == ["a", "a", "b"]
    page = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert page.count('.html">agent-') >= 3            # the call pages are linked
    one = runner.invoke(app, ["score", str(next(calls.iterdir())), "--out", str(tmp_path / "one")])
    assert one.exit_code == 0 and not (tmp_path / "one" / "summary.html").exists()


def _attribute_values(page: str, name: str) -> list[str]:
    return re.findall(rf'\b{name}="([^"]*)"', page)
