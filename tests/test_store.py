"""The results store: round trip of a report, replace-not-duplicate, atomic writes, schema
versions, rebuilding from the report JSONs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pipeline import store as store_module
from pipeline.report.summary import AgentSource, SummaryError
from pipeline.store import (SCHEMA_VERSION, STORE_NAME, ResultsStore, StoreError,
                            StoreVersionError, iso_week, rebuild_from_reports, recording_date)


def report(call_id: str = "agent-marie_0001", *, score: float = 80.0, verdict: str = "OK",
           statuses: dict[str, str] | None = None, language: str = "fr") -> dict:
    """A report dict shaped like json_report.to_dict output."""
    statuses = statuses or {"greeting": "met", "objections": "partial"}
    criteria = []
    for cid, status in statuses.items():
        row = {"id": cid, "title": cid.title(), "status": status,
               "evidence": [{"start": 0.5, "end": 3.0, "speaker": "agent",
                             "text": f"{cid} words", "label": "hit", "turn": 0}],
               "competences": ["C1"], "feedback": "", "weight": 2.0, "critical": cid == "greeting"}
        if cid == "objections":
            row.update(objections=2, rebuttals=1)
        criteria.append(row)
    return {
        "schema_version": "1", "call_id": call_id, "source": f"{call_id}.wav",
        "duration_s": 61.25, "language": language, "channels": 2, "model": "base",
        "rubric": {"id": "core", "version": "1.0"},
        "roles": {"basis": "channel", "confidence": 1.0},
        "turns": [{"speaker": "agent", "start": 0.5, "end": 3.0, "text": "Bonjour"}],
        "silences": [{"start": 10.0, "end": 13.5, "duration_s": 3.5, "kind": "dead_air"}],
        "criteria": criteria, "score": score, "verdict": verdict, "timings_s": {"asr": 1.0},
    }


def rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute(sql, params)]


def test_round_trip(tmp_path: Path):
    with ResultsStore(tmp_path) as store:
        store.add(report(), agent="marie", call_date="2024-05-02T09:31:00")
    path = tmp_path / STORE_NAME
    assert rows(path, "SELECT value FROM meta WHERE key='schema_version'") == [
        (str(SCHEMA_VERSION),)]
    [call] = rows(path, "SELECT call_id, source, agent, call_date, language, duration_s, "
                        "channels, rubric_id, rubric_version, model, score, verdict FROM calls")
    assert call == ("agent-marie_0001", "agent-marie_0001.wav", "marie", "2024-05-02", "fr",
                    61.25, 2, "core", "1.0", "base", 80.0, "OK")
    assert rows(path, "SELECT criterion_id, position, title, status, weight, critical, "
                      "objections, rebuttals FROM criteria ORDER BY position") == [
        ("greeting", 0, "Greeting", "met", 2.0, 1, None, None),
        ("objections", 1, "Objections", "partial", 2.0, 0, 2, 1)]
    assert rows(path, "SELECT criterion_id, start_s, end_s, speaker, text, label FROM evidence "
                      "ORDER BY criterion_id") == [
        ("greeting", 0.5, 3.0, "agent", "greeting words", "hit"),
        ("objections", 0.5, 3.0, "agent", "objections words", "hit")]
    assert rows(path, "SELECT start_s, end_s, duration_s, kind FROM silences") == [
        (10.0, 13.5, 3.5, "dead_air")]
    assert rows(path, "PRAGMA journal_mode") == [("wal",)]


def test_rescoring_replaces_the_call(tmp_path: Path):
    with ResultsStore(tmp_path) as store:
        store.add(report(score=40, verdict="NOK"), agent="marie")
        store.add(report(score=90, statuses={"greeting": "met"}), agent="marie")
        store.add(report("other"))
        assert store.call_count() == 2 and store.call_ids() == {"agent-marie_0001", "other"}
    path = tmp_path / STORE_NAME
    assert rows(path, "SELECT score, verdict FROM calls WHERE call_id='agent-marie_0001'") == [
        (90.0, "OK")]
    assert rows(path, "SELECT COUNT(*) FROM criteria WHERE call_id='agent-marie_0001'") == [(1,)]
    assert rows(path, "SELECT COUNT(*) FROM evidence WHERE call_id='agent-marie_0001'") == [(1,)]
    assert rows(path, "SELECT COUNT(*) FROM silences") == [(2,)]


def test_a_failed_write_leaves_the_old_rows(tmp_path: Path):
    bad = report(score=10, verdict="NOK")
    # The same criterion twice: the write fails on criteria, after the old rows were deleted.
    bad["criteria"].append(dict(bad["criteria"][0]))
    with ResultsStore(tmp_path) as store:
        store.add(report(), agent="marie")
        with pytest.raises(StoreError, match="undone"):
            store.add(bad, agent="jan")
        store.add(report("next"))       # the store is still usable
    path = tmp_path / STORE_NAME
    assert rows(path, "SELECT agent, score FROM calls WHERE call_id='agent-marie_0001'") == [
        ("marie", 80.0)]
    assert rows(path, "SELECT COUNT(*) FROM criteria WHERE call_id='agent-marie_0001'") == [(2,)]
    assert rows(path, "SELECT COUNT(*) FROM evidence WHERE call_id='agent-marie_0001'") == [(2,)]


def test_an_interrupted_write_leaves_the_old_rows(tmp_path: Path, monkeypatch):
    with ResultsStore(tmp_path) as store:
        store.add(report(), agent="marie")
        real_write = store_module._write

        def write_then_crash(conn, rows):
            real_write(conn, rows)
            raise KeyboardInterrupt

        monkeypatch.setattr(store_module, "_write", write_then_crash)
        with pytest.raises(KeyboardInterrupt):
            store.add(report(score=5, verdict="NOK"), agent="jan")
    assert rows(tmp_path / STORE_NAME, "SELECT agent, score FROM calls") == [("marie", 80.0)]


def test_a_bad_report_or_date_is_refused_before_writing(tmp_path: Path):
    broken = report()
    del broken["score"]
    with ResultsStore(tmp_path) as store:
        with pytest.raises(StoreError, match="lacks a field.*score"):
            store.add(broken)
        with pytest.raises(StoreError, match="YYYY-MM-DD"):
            store.add(report(), call_date="02/05/2024")
        assert store.call_count() == 0


def test_a_newer_schema_is_refused_with_advice(tmp_path: Path):
    with ResultsStore(tmp_path) as store:
        store.add(report())
    with sqlite3.connect(tmp_path / STORE_NAME) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreVersionError) as caught:
        ResultsStore(tmp_path).__enter__()
    message = str(caught.value)
    assert "\n" not in message and "upgrade callqa" in message and "--rebuild" in message


def test_an_older_schema_is_migrated(tmp_path: Path, monkeypatch):
    with ResultsStore(tmp_path) as store:
        store.add(report())
    with sqlite3.connect(tmp_path / STORE_NAME) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION - 1),))
    steps = []
    monkeypatch.setitem(store_module.MIGRATIONS, SCHEMA_VERSION - 1, steps.append)
    with ResultsStore(tmp_path) as store:
        assert store.call_count() == 1
    assert len(steps) == 1
    assert rows(tmp_path / STORE_NAME, "SELECT value FROM meta") == [(str(SCHEMA_VERSION),)]


def test_an_older_schema_without_migration_is_rebuilt_from_the_reports(tmp_path: Path):
    (tmp_path / "a.json").write_text(json.dumps(report("a")), encoding="utf-8")
    with sqlite3.connect(tmp_path / STORE_NAME) as conn:   # a "version 0" store
        conn.execute("CREATE TABLE calls (call_id TEXT, agent TEXT, call_date TEXT)")
        conn.execute("INSERT INTO calls VALUES ('a', 'marie', '2024-05-02')")
    with ResultsStore(tmp_path) as store:
        assert store.call_count() == 1
    assert rows(tmp_path / STORE_NAME, "SELECT call_id, agent, call_date FROM calls") == [
        ("a", "marie", "2024-05-02")]


def test_rebuild_from_reports(tmp_path: Path):
    for r in (report("agent-marie_2024-05-02_0931"), report("agent-jan_0002"),
              report("agent-kim_0003")):
        (tmp_path / f"{r['call_id']}.json").write_text(json.dumps(r), encoding="utf-8")
    (tmp_path / "summary.json").write_text("{}", encoding="utf-8")   # not a report
    with ResultsStore(tmp_path) as store:
        # What the batch knew (metadata, recording date) survives a rebuild.
        store.add(report("agent-jan_0002"), agent="Jan Peeters", call_date="2024-04-29")
        store.add(report("gone"))                                    # its JSON was deleted
    assert rebuild_from_reports(tmp_path, dates={"agent-kim_0003": "2024-05-06"}) == 3
    assert rows(tmp_path / STORE_NAME, "SELECT call_id, agent, call_date FROM calls "
                                       "ORDER BY call_id") == [
        ("agent-jan_0002", "Jan Peeters", "2024-04-29"),
        ("agent-kim_0003", "kim", "2024-05-06"),
        ("agent-marie_2024-05-02_0931", "marie", "2024-05-02")]
    meta = AgentSource(by_call={"agent-kim_0003": "Kim"})
    rebuild_from_reports(tmp_path, agents=meta)
    assert rows(tmp_path / STORE_NAME, "SELECT agent FROM calls WHERE call_id = ?",
                ("agent-kim_0003",)) == [("Kim",)]


def test_rebuild_skips_a_bad_report_and_replaces_a_broken_store(tmp_path: Path):
    good, bad = report("good"), report("bad")
    bad["criteria"].append(dict(bad["criteria"][0]))
    for r in (good, bad):
        (tmp_path / f"{r['call_id']}.json").write_text(json.dumps(r), encoding="utf-8")
    (tmp_path / STORE_NAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="--rebuild"):
        ResultsStore(tmp_path).__enter__()
    assert rebuild_from_reports(tmp_path) == 1
    assert rows(tmp_path / STORE_NAME, "SELECT call_id FROM calls") == [("good",)]
    assert rows(tmp_path / STORE_NAME, "SELECT COUNT(*) FROM criteria") == [(2,)]


def test_rebuild_without_reports_fails_and_keeps_the_store(tmp_path: Path):
    with ResultsStore(tmp_path) as store:
        store.add(report())
    with pytest.raises(SummaryError, match="no callqa report"):
        rebuild_from_reports(tmp_path)
    assert rows(tmp_path / STORE_NAME, "SELECT COUNT(*) FROM calls") == [(1,)]


def test_two_writers_share_the_store(tmp_path: Path):
    with ResultsStore(tmp_path) as one, ResultsStore(tmp_path) as two:
        one.add(report("a"))
        two.add(report("b"))
        one.add(report("b", score=10, verdict="NOK"))
        assert two.call_count() == 2


def test_dates_and_weeks(tmp_path: Path):
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"")
    assert len(recording_date(audio)) == 10
    assert iso_week("2024-12-30") == "2025-W01"      # ISO weeks, not calendar years
    assert iso_week("2024-05-02") == "2024-W18"
    assert iso_week(None) is None and iso_week("soon") is None
