"""schemas/report.schema.json describes the report JSON (schema version 1) that `callqa score`
writes: the sample calls' reports validate, broken ones do not."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory) -> list[dict]:
    """Reports of the eight sample calls, scored from their reference transcripts."""
    out = tmp_path_factory.mktemp("reports")
    result = CliRunner().invoke(app, ["score", str(ROOT / "sample_calls" / "truth"),
                                      "--out", str(out), "--format", "json,srt,vtt,rttm"])
    assert result.exit_code == 0, result.output
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]


def test_schema_is_valid_json_schema():
    Draft202012Validator.check_schema(SCHEMA)


def test_sample_reports_validate(sample_reports):
    assert len(sample_reports) == 8
    validator = Draft202012Validator(SCHEMA)
    for report in sample_reports:
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}"
                  for e in validator.iter_errors(report)]
        assert not errors, (report["call_id"], errors)


@pytest.mark.parametrize("break_it", [
    lambda r: r.pop("verdict"),
    lambda r: r.update(verdict="MAYBE"),
    lambda r: r.update(schema_version="2"),
    lambda r: r["turns"][0].update(speaker="spk0"),
    lambda r: r["silences"].append({"start": 1, "end": 3, "duration_s": 2, "kind": "pause"}),
    lambda r: r["criteria"][0].update(status="ok"),
    lambda r: next(c for c in r["criteria"] if c["id"] == "objections").pop("rebuttals"),
    lambda r: r["criteria"][0]["evidence"][0].pop("start"),
])
def test_broken_reports_do_not_validate(sample_reports, break_it):
    report = copy.deepcopy(next(r for r in sample_reports if r["call_id"] == "fr_bank"))
    assert report["silences"] and report["criteria"][0]["evidence"]
    break_it(report)
    assert not Draft202012Validator(SCHEMA).is_valid(report)
