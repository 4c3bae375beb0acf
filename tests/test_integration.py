"""The real pipeline (Whisper base, VAD, diarisation, detectors) on two bundled sample calls,
checked against their ground truth: one stereo, one mono."""

from pathlib import Path

import pytest

from pipeline.analysis import AnalysisOptions, analyse
from pipeline.evaluation import compare, load_truth
from pipeline.rubric import load_rubric

SAMPLES = Path(__file__).resolve().parent.parent / "sample_calls"


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("core")


def _score(call_id: str, rubric):
    truth = load_truth(SAMPLES / "truth" / f"{call_id}.json")
    report = analyse(SAMPLES / truth.audio, rubric=rubric, options=AnalysisOptions())
    return report, truth


@pytest.mark.slow
@pytest.mark.parametrize("call_id", ["fr_energy_inbound", "en_broadband_support"])
def test_sample_call_matches_ground_truth(call_id: str, rubric):
    report, truth = _score(call_id, rubric)
    result = compare(report, truth)
    assert report.transcript.channels == truth.channels
    assert report.transcript.language == truth.language
    # Roles: (nearly) every second of reference speech lands with the right speaker.
    assert result.role_accuracy >= 0.95, report.transcript.role_basis
    # Turns: the found turns start where the reference turns start (within 0.5 s).
    starts = [t.start for t in report.transcript.turns]
    for ref in truth.turns:
        assert min(abs(s - ref.start) for s in starts) <= 0.5, ref
    # Every silence gap is found, with the right kind, within 0.3 s, and no extra one.
    assert result.gaps_kind_matched == result.gaps_matched == result.gaps_expected == result.gaps_found
    mismatches = {c: v for c, v in result.statuses.items() if v[0] != v[1]}
    assert not mismatches
    assert result.objections[0] == result.objections[1]
    # Evidence or no verdict.
    for criterion in report.scorecard.criteria:
        if criterion.status in ("met", "partial", "not_met") and criterion.id != "silence":
            assert criterion.evidence, criterion.id
