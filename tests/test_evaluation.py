"""`callqa evaluate`: metrics arithmetic, gap matching, labelled folders, the command itself."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluation import (Comparison, CriterionMetrics, Evaluation, EvaluationError,
                                 GapMetrics, _match_gaps, discover, load_truth,
                                 reference_transcript)

SAMPLES = Path(__file__).resolve().parent.parent / "sample_calls"
runner = CliRunner()


def _comparison(call_id: str, statuses: dict, *, objections=(0, 0), gaps=(0, 0, 0, 0)):
    matched, kind, expected, found = gaps
    return Comparison(call_id, statuses, 1.0, matched, kind, expected, found, objections)


def test_not_met_precision_and_recall_from_the_confusion():
    m = CriterionMetrics("closing", {("not_met", "not_met"): 3, ("met", "not_met"): 1,
                                     ("not_met", "partial"): 2, ("met", "met"): 4})
    assert m.calls == 10
    assert m.accuracy == pytest.approx(0.7)
    assert m.not_met_precision == pytest.approx(3 / 4)
    assert m.not_met_recall == pytest.approx(3 / 5)


def test_precision_is_undefined_when_nothing_is_flagged():
    m = CriterionMetrics("greeting", {("met", "met"): 2})
    assert m.not_met_precision is None and m.not_met_recall is None and m.accuracy == 1.0


def test_gap_f1():
    g = GapMetrics(expected=4, found=5, matched=3, kind_matched=2)
    assert g.precision == pytest.approx(0.6) and g.recall == pytest.approx(0.75)
    assert g.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert GapMetrics(0, 0, 0, 0).f1 == 1.0          # nothing to find, nothing reported


def test_gaps_match_one_to_one_within_the_tolerance():
    expected = ((10.0, 13.0, "dead_air"), (20.0, 30.0, "hold"))
    found = [(10.2, 13.25, "dead_air"), (10.1, 13.1, "dead_air"), (20.0, 30.5, "hold")]
    # The first found gap matches; the duplicate does not match twice; 30.5 is 0.5 s off.
    assert _match_gaps(expected, found, 0.3) == [(0, 0)]


def test_evaluation_aggregates_calls():
    result = Evaluation("transcript", (
        _comparison("a", {"greeting": ("met", "met"), "closing": ("not_met", "partial")},
                    objections=(2, 2), gaps=(1, 1, 1, 1)),
        _comparison("b", {"greeting": ("partial", "partial"), "closing": ("met", "met")},
                    objections=(0, 1), gaps=(0, 0, 1, 0)),
    ))
    assert result.status_accuracy == pytest.approx(3 / 4)
    assert result.objections_exact == pytest.approx(0.5)
    assert result.gaps.f1 == pytest.approx(2 * 1.0 * 0.5 / 1.5)
    assert result.errors() == [("a", "closing", "not_met", "partial")]
    data = result.to_dict()
    assert data["criteria"][1]["not_met_recall"] == 0.0
    assert data["errors"][0]["criterion"] == "closing"


def test_reference_transcript_keeps_roles_and_gaps():
    truth = load_truth(SAMPLES / "truth" / "fr_bank.json")
    t = reference_transcript(truth)
    assert [turn.speaker for turn in t.turns] == [turn.speaker for turn in truth.turns]
    assert [(g.start, g.end) for g in t.gaps] == [(s, e) for s, e, _ in truth.gaps]
    assert t.gaps_from == "reference" and t.language == "fr"


def test_discover_refuses_what_is_not_a_labelled_folder(tmp_path: Path):
    with pytest.raises(EvaluationError, match="no ground-truth"):
        discover(tmp_path)
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EvaluationError, match="x.json: not a ground-truth file"):
        discover(tmp_path)


def test_evaluate_command_on_the_sample_transcripts(tmp_path: Path):
    out = tmp_path / "metrics.json"
    result = runner.invoke(app, ["evaluate", str(SAMPLES), "--source", "transcript",
                                 "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "status accuracy" in result.output and "objection count exact" in result.output
    metrics = json.loads(out.read_text())["transcript"]
    assert metrics["calls"] == 8 and metrics["failed"] == []
    assert {c["id"] for c in metrics["criteria"]} == {
        "greeting", "identity_check", "reformulation", "objections", "closing", "silence"}
    # From reference transcripts the gaps are the truth's own: found exactly.
    assert metrics["gaps"]["f1"] == 1.0


def test_missing_recording_is_a_listed_failure_not_a_crash(tmp_path: Path):
    (tmp_path / "truth").mkdir()
    shutil.copy(SAMPLES / "truth" / "fr_bank.json", tmp_path / "truth")
    result = runner.invoke(app, ["evaluate", str(tmp_path), "--source", "audio"])
    assert result.exit_code == 1
    assert "fr_bank: recording 'audio/fr_bank.wav' not found" in result.output
    assert "Traceback" not in result.output


def test_bad_source_option_fails_before_work(tmp_path: Path):
    result = runner.invoke(app, ["evaluate", str(SAMPLES), "--source", "video"])
    assert result.exit_code == 2 and "--source must be" in result.output
