"""Pass rates per criterion, agent and ISO week from the results store, and `callqa stats`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.stats import ensure_store, stats, table_rows, to_json
from pipeline.store import STORE_NAME, ResultsStore, StoreError
from test_store import report

runner = CliRunner()

# call id, agent, date, score, verdict, (greeting, objections, closing)
CALLS = [
    ("m1", "marie", "2024-05-06", 90, "OK", ("met", "not_applicable", "met")),
    ("m2", "marie", "2024-05-08", 60, "NOK", ("partial", "met", "not_met")),
    ("m3", "marie", "2024-05-14", 80, "OK", ("met", "not_met", "met")),
    ("j1", "jan", "2024-05-07", 70, "OK", ("not_met", "met", "met")),
    ("j2", "jan", "2024-05-15", 50, "NOK", ("met", "not_applicable", "partial")),
    ("x", None, None, 100, "OK", ("met", "not_applicable", "met")),
]


def _report(call_id: str, score: float, verdict: str, statuses: tuple[str, ...]) -> dict:
    return report(call_id, score=score, verdict=verdict,
                  statuses=dict(zip(("greeting", "objections", "closing"), statuses)))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    with ResultsStore(tmp_path) as store:
        for call_id, agent, day, score, verdict, statuses in CALLS:
            store.add(_report(call_id, score, verdict, statuses), agent=agent, call_date=day)
    return tmp_path


def test_pass_rates_per_criterion(folder: Path):
    with ResultsStore(folder) as store:
        result = stats(store)
    greeting, objections, closing = result.criteria          # rubric order
    assert (greeting.id, greeting.title) == ("greeting", "Greeting")
    assert dict(greeting.counts) == {"met": 4, "partial": 1, "not_met": 1, "not_applicable": 0}
    assert greeting.pass_rate == pytest.approx(4 / 6)
    assert dict(objections.counts) == {"met": 2, "partial": 0, "not_met": 1,
                                       "not_applicable": 3}
    assert objections.pass_rate == pytest.approx(2 / 3)      # not_applicable left out
    assert closing.pass_rate == pytest.approx(4 / 6)
    assert (result.total.calls, result.total.mean_score) == (6, 75)
    assert result.total.ok_rate == pytest.approx(4 / 6)
    assert result.groups == ()


def test_per_agent(folder: Path):
    with ResultsStore(folder) as store:
        jan, marie, unknown = stats(store, by="agent").groups
    assert (jan.group, jan.calls, jan.mean_score, jan.ok_rate) == ("jan", 2, 60, 0.5)
    assert dict(jan.pass_rates) == {"greeting": 0.5, "objections": 1.0, "closing": 0.5}
    assert (marie.group, marie.calls) == ("marie", 3)
    assert marie.mean_score == pytest.approx(230 / 3) and marie.ok_rate == pytest.approx(2 / 3)
    assert marie.pass_rates["objections"] == 0.5
    assert marie.pass_rates["greeting"] == pytest.approx(2 / 3)
    assert (unknown.group, unknown.calls, unknown.pass_rates["objections"]) == (
        "unknown", 1, None)


def test_per_iso_week(folder: Path):
    with ResultsStore(folder) as store:
        w19, w20, unknown = stats(store, by="week").groups
    assert (w19.group, w19.calls, w19.ok_rate) == ("2024-W19", 3, pytest.approx(2 / 3))
    assert w19.mean_score == pytest.approx(220 / 3)
    assert w19.pass_rates["greeting"] == pytest.approx(1 / 3)
    assert w19.pass_rates["objections"] == 1.0
    assert (w20.group, w20.calls, w20.mean_score, w20.ok_rate) == ("2024-W20", 2, 65, 0.5)
    assert dict(w20.pass_rates) == {"greeting": 1.0, "objections": 0.0, "closing": 0.5}
    assert (unknown.group, unknown.calls) == ("unknown", 1)


def test_json_and_table_forms(folder: Path):
    with ResultsStore(folder) as store:
        by_agent, by_criterion = stats(store, by="agent"), stats(store)
    data = to_json(by_agent)
    assert data["total"] == {"calls": 6, "mean_score": 75.0, "ok_rate": 0.6667,
                             "pass_rates": {"greeting": 0.6667, "objections": 0.6667,
                                            "closing": 0.6667}}
    assert data["agents"][0] == {"agent": "jan", "calls": 2, "mean_score": 60.0,
                                 "ok_rate": 0.5, "pass_rates": {"greeting": 0.5,
                                                                "objections": 1.0,
                                                                "closing": 0.5}}
    assert to_json(by_criterion)["criteria"][1] == {
        "id": "objections", "title": "Objections", "met": 2, "partial": 0, "not_met": 1,
        "not_applicable": 3, "applicable": 3, "pass_rate": 0.6667}
    header, rows = table_rows(by_agent)
    assert header == ["agent", "calls", "mean score", "OK", "greeting", "objections", "closing"]
    assert rows[-1] == ["unknown", "1", "100.0", "100%", "100%", "-", "100%"]


def test_unknown_grouping_is_refused(folder: Path):
    with ResultsStore(folder) as store, pytest.raises(StoreError, match="agent, week"):
        stats(store, by="month")


def test_ensure_store(tmp_path: Path):
    with pytest.raises(StoreError, match="not a folder"):
        ensure_store(tmp_path / "absent")
    (tmp_path / "a.json").write_text(json.dumps(report("a")), encoding="utf-8")
    assert ensure_store(tmp_path) == 1          # built from the reports
    assert ensure_store(tmp_path) is None       # used as is
    assert ensure_store(tmp_path, rebuild=True) == 1


# ---------------------------------------------------------------------------------------------
# callqa stats


def test_cli_table_and_json(folder: Path):
    result = runner.invoke(app, ["stats", str(folder)])
    assert result.exit_code == 0, result.output
    assert "greeting" in result.stdout and "67%" in result.stdout and "6 calls" in result.stdout
    result = runner.invoke(app, ["stats", str(folder), "--by", "week", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [w["week"] for w in data["weeks"]] == ["2024-W19", "2024-W20", "unknown"]


def test_cli_builds_the_store_from_reports_first(tmp_path: Path):
    for call_id, _, _, score, verdict, statuses in CALLS[:3]:
        (tmp_path / f"agent-{call_id}.json").write_text(
            json.dumps(_report(f"agent-{call_id}", score, verdict, statuses)), encoding="utf-8")
    result = runner.invoke(app, ["stats", str(tmp_path), "--by", "agent", "--json"])
    assert result.exit_code == 0, result.output
    assert "built" in result.stderr and STORE_NAME in result.stderr
    assert [a["agent"] for a in json.loads(result.stdout)["agents"]] == ["m1", "m2", "m3"]
    assert (tmp_path / STORE_NAME).is_file()
    again = runner.invoke(app, ["stats", str(tmp_path)])
    assert again.exit_code == 0 and "built" not in again.stderr


def test_cli_missing_or_empty_folder(tmp_path: Path):
    for folder in (tmp_path / "absent", tmp_path):
        result = runner.invoke(app, ["stats", str(folder)])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error:") and "Traceback" not in result.output
        # One message (rich wraps it at the test terminal's width).
        assert result.stderr.count("error:") == 1 and "callqa score" in result.stderr
    assert not (tmp_path / STORE_NAME).exists()


def test_cli_bad_grouping(folder: Path):
    result = runner.invoke(app, ["stats", str(folder), "--by", "month"])
    assert result.exit_code == 2 and "--by" in result.stderr
