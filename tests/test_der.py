"""DER and role accuracy against RTTM references (pyannote.metrics underneath)."""

import pytest

from pipeline.der import (SpeakerSpan, pooled_der, read_reference, read_rttm, role_of_label,
                          score, to_rttm, transcript_spans)
from pipeline.transcript import Transcript, Turn

REF = (SpeakerSpan(0.0, 10.0, "agent"), SpeakerSpan(10.5, 20.0, "customer"),
       SpeakerSpan(21.0, 30.0, "agent.colleague"))


def test_rttm_round_trip(tmp_path):
    path = tmp_path / "call.rttm"
    path.write_text(to_rttm(REF, "call 1"), encoding="utf-8")
    (uri, spans), = read_rttm(path).items()
    assert uri == "call_1"
    assert [(s.start, s.end, s.speaker) for s in spans] == [(s.start, s.end, s.speaker) for s in REF]
    assert read_reference(path) == spans


def test_perfect_hypothesis_with_other_labels_scores_zero():
    hyp = tuple(SpeakerSpan(s.start, s.end, f"{s.role}.spk{i}") for i, s in enumerate(REF))
    result = score(REF, hyp)
    assert result.der == 0.0 and result.role_accuracy == 1.0 and result.roles_right


def test_boundary_errors_inside_the_collar_are_forgiven_outside_are_not():
    shifted = tuple(SpeakerSpan(s.start + 0.2, s.end + 0.2, s.speaker) for s in REF)
    assert score(REF, shifted, collar_s=0.25).der == 0.0
    late = tuple(SpeakerSpan(s.start + 1.0, s.end + 1.0, s.speaker) for s in REF)
    assert score(REF, late, collar_s=0.25).der > 0.05


def test_merged_colleague_is_confusion_and_roles_still_right():
    # The colleague's speech given to the agent: a DER error (one label for two voices),
    # but the role is right: both are agent side.
    hyp = (SpeakerSpan(0.0, 10.0, "agent.spk0"), SpeakerSpan(10.5, 20.0, "customer.spk1"),
           SpeakerSpan(21.0, 30.0, "agent.spk0"))
    result = score(REF, hyp)
    assert result.confusion_s == pytest.approx(9.0 - 0.5, abs=0.01)
    assert result.roles_right and result.role_accuracy == 1.0


def test_wrong_roles_are_reported():
    hyp = (SpeakerSpan(0.0, 10.0, "customer.spk0"), SpeakerSpan(10.5, 20.0, "agent.spk1"),
           SpeakerSpan(21.0, 30.0, "agent.spk2"))
    result = score(REF, hyp)
    assert not result.roles_right and result.role_accuracy == pytest.approx(9.0 / 28.5)  # only the colleague


def test_missed_and_false_alarm_speech():
    hyp = (SpeakerSpan(0.0, 5.0, "a"), SpeakerSpan(10.5, 20.0, "b"), SpeakerSpan(21.0, 30.0, "c"),
           SpeakerSpan(40.0, 42.0, "c"))
    result = score(REF, hyp, collar_s=0.0)
    assert result.missed_s == pytest.approx(5.0) and result.false_alarm_s == pytest.approx(2.0)
    assert result.der == pytest.approx(7.0 / 28.5)
    assert result.role_accuracy is None  # bare labels state no role
    assert pooled_der([result, score(REF, REF, collar_s=0.0)]) == pytest.approx(7.0 / 57.0)


def test_labels_carry_roles():
    assert role_of_label("agent.spk0") == "agent"
    assert role_of_label("CSR") == "agent" and role_of_label("Customer") == "customer"
    assert role_of_label("spk1") is None


def test_srt_reference_and_transcript_spans(tmp_path):
    srt = tmp_path / "call.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:04,000\n[CSR] Hello, welcome.\n\n"
                   "2\n00:00:04,500 --> 00:00:06,000\n[Customer] Hi.\n", encoding="utf-8")
    assert [(s.speaker, s.role) for s in read_reference(srt)] == [("agent", "agent"),
                                                                  ("customer", "customer")]
    t = Transcript(turns=(Turn("spk0", 1.0, 4.0, "Hello"), Turn("spk1", 4.5, 6.0, "Hi")))
    spans = transcript_spans(t, {"spk0": "agent", "spk1": "customer"})
    assert [s.speaker for s in spans] == ["agent.spk0", "customer.spk1"]


def test_cli_scores_a_given_hypothesis(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    ref = tmp_path / "refs" / "call_a.rttm"
    ref.parent.mkdir()
    ref.write_text(to_rttm(REF, "call_a"), encoding="utf-8")
    hyp = tmp_path / "hyp.rttm"
    hyp.write_text(to_rttm(tuple(SpeakerSpan(s.start, s.end, f"{s.role}.x{i}")
                                 for i, s in enumerate(REF)), "call_a"), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval-diarisation", str(ref), "--hyp", str(hyp)])
    assert result.exit_code == 0, result.output
    assert "DER 0.00%" in result.output and "roles right on 1/1" in result.output
    missing = CliRunner().invoke(app, ["eval-diarisation", str(ref)])
    assert missing.exit_code == 1
