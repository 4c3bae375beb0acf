"""The CLI on transcripts (no Whisper): reports written, failures listed, exit codes."""

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()

CALL = {
    "language": "fr",
    "turns": [
        {"speaker": "agent", "start": 0.5, "end": 3.0,
         "text": "Bonjour, vous êtes bien chez Luminus, Sophie à l'appareil."},
        {"speaker": "customer", "start": 3.5, "end": 6.0,
         "text": "Bonjour, j'ai un problème avec ma facture."},
        {"speaker": "agent", "start": 6.5, "end": 9.0,
         "text": "Pouvez-vous me donner votre numéro de client ?"},
        {"speaker": "customer", "start": 9.5, "end": 11.0, "text": "Oui, c'est le 4 5 2 1 8."},
        {"speaker": "agent", "start": 11.5, "end": 14.0,
         "text": "Merci. Je vous remercie de votre appel, bonne journée, au revoir."},
    ],
}


def test_score_transcripts_writes_reports_and_lists_failures(tmp_path: Path):
    good = tmp_path / "in" / "good call.json"
    good.parent.mkdir()
    good.write_text(json.dumps(CALL), encoding="utf-8")
    (tmp_path / "in" / "broken.json").write_text("{oops", encoding="utf-8")
    (tmp_path / "in" / "noise.wav").write_bytes(b"not audio at all")
    out = tmp_path / "out"
    result = runner.invoke(app, ["score", str(tmp_path / "in"), "--out", str(out),
                                 "--format", "json,md,srt,vtt,rttm"])
    assert result.exit_code == 1, result.output
    report = json.loads((out / "good call.json").read_text())
    assert report["schema_version"] == "1" and report["call_id"] == "good call"
    assert {c["id"] for c in report["criteria"]} >= {
        "greeting", "identity_check", "reformulation", "objections", "closing", "silence"}
    assert report["verdict"] in ("OK", "NOK") and 0 <= report["score"] <= 100
    assert report["source"] == "good call.json"  # file name, never an absolute path
    assert str(tmp_path) not in (out / "good call.json").read_text()
    for suffix in ("md", "srt", "vtt", "rttm"):
        assert (out / f"good call.{suffix}").exists()
    assert "FAILED broken.json" in result.output and "not valid JSON" in result.output
    assert "FAILED noise.wav" in result.output and "not a readable audio file" in result.output
    assert "Traceback" not in result.output
    assert not list(out.glob(".*.part"))  # no temporary files left behind


def test_invalid_rubric_fails_before_any_work(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ncriteria: [{id: a, detector: no_such_detector}]\n")
    good = tmp_path / "call.json"
    good.write_text(json.dumps(CALL), encoding="utf-8")
    result = runner.invoke(app, ["score", str(good), "--out", str(tmp_path / "out"),
                                 "--rubric", str(bad)])
    assert result.exit_code == 2
    assert "error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_bad_option_values(tmp_path: Path):
    result = runner.invoke(app, ["score", str(tmp_path), "--language", "de"])
    assert result.exit_code == 2 and "--language" in result.output


def test_missing_input_is_a_failure_not_a_crash(tmp_path: Path):
    result = runner.invoke(app, ["score", str(tmp_path / "absent.wav"), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "no such file" in result.output
