"""`callqa rubric check | list | schema`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.rubric import RUBRICS_DIR, list_rubrics, rubric_json_schema

runner = CliRunner()


def test_check_a_good_rubric():
    result = runner.invoke(app, ["rubric", "check", str(RUBRICS_DIR / "cc0213.yaml")])
    assert result.exit_code == 0, result.output
    assert "ok, rubric 'cc0213'" in result.output and "14 criteria" in result.output
    assert runner.invoke(app, ["rubric", "check", "hd0214"]).exit_code == 0   # by id


def test_check_a_broken_rubric_prints_one_line_per_problem(tmp_path: Path):
    text = (RUBRICS_DIR / "core.yaml").read_text(encoding="utf-8")
    text = text.replace("detector: closing", "detector: clossing", 1)
    text = text.replace("    weight: 20\n", "    wieght: 20\n", 1)
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["rubric", "check", str(path)])
    assert result.exit_code == 1
    problems = [ln for ln in result.stdout.splitlines() if ln.startswith(str(path) + ":")]
    assert len(problems) == 3, result.output     # wieght unknown, weight missing, detector
    line_of = {ln.split(":")[1] for ln in problems}
    lines = text.splitlines()
    assert any("clossing" in lines[int(n) - 1] for n in line_of)
    assert any("wieght" in lines[int(n) - 1] for n in line_of)
    assert "Traceback" not in result.output


def test_check_not_yaml_and_missing_file(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ncriteria: [\n", encoding="utf-8")
    result = runner.invoke(app, ["rubric", "check", str(bad)])
    assert result.exit_code == 1 and "not valid YAML" in result.stdout
    result = runner.invoke(app, ["rubric", "check", str(tmp_path / "absent.yaml")])
    assert result.exit_code == 2 and "not found" in " ".join(result.output.split())


def test_list_shows_the_bundled_rubrics():
    result = runner.invoke(app, ["rubric", "list"])
    assert result.exit_code == 0, result.output
    rows = [ln.split("\t") for ln in result.stdout.splitlines()]
    assert [r[0] for r in rows] == list(list_rubrics())
    by_id = {r[0]: r for r in rows}
    assert by_id["core"][2] == "6 criteria"
    assert "0214" in by_id["hd0214"][3]
    fr = runner.invoke(app, ["rubric", "list", "--language", "fr"])
    assert "Opérateur Helpdesk" in fr.stdout
    assert runner.invoke(app, ["rubric", "list", "--language", "de"]).exit_code == 2


def test_schema_prints_or_writes_the_generated_schema(tmp_path: Path):
    result = runner.invoke(app, ["rubric", "schema"])
    assert result.exit_code == 0 and json.loads(result.stdout) == rubric_json_schema()
    out = tmp_path / "rubric.schema.json"
    assert runner.invoke(app, ["rubric", "schema", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == rubric_json_schema()
