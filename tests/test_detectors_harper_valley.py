"""Detectors on real calls: the 40 Harper Valley bank calls (English, human-transcribed,
lowercase and unpunctuated), from ../shared/data.  Pins verdicts checked by hand, and holds
every verdict to its evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.rubric import load_rubric
from pipeline.scoring import score_transcript
from pipeline.transcript import load_transcript

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "harper_valley"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="Harper Valley data not present")


def statuses(call_id: str, rubric: str = "cc0213") -> dict[str, str]:
    card = score_transcript(load_transcript(DATA / f"{call_id}.json"), load_rubric(rubric))
    return {c.id: c.status for c in card.criteria}


def test_every_verdict_has_timed_evidence_inside_the_call():
    rubric = load_rubric("cc0213")
    for path in sorted(DATA.glob("*.json")):
        transcript = load_transcript(path)
        for c in score_transcript(transcript, rubric).criteria:
            if c.status == "not_applicable":
                continue
            assert c.evidence, (path.stem, c.id)
            for ev in c.evidence:
                assert 0 <= ev.start <= ev.end <= transcript.duration_s + 1e-6, (path.stem, c.id)
                if ev.speaker:
                    assert ev.turn_index is not None and \
                        transcript.turns[ev.turn_index].speaker == ev.speaker


@pytest.mark.parametrize("call_id", ["034a32d3b6e4435a", "03a17cc36d474151", "03aad8e17c8d4d81",
                                     "03df1bec638a46e6"])
def test_the_payees_address_is_not_an_identity_check(call_id):
    # "what is the company address … can you repeat that zip": the biller's data.
    assert statuses(call_id)["identity_check"] == "not_met"


@pytest.mark.parametrize("call_id", ["01cefd6f5c044a6f", "06f5d96bd7e64511", "03fccf2cf2254435"])
def test_the_callers_phone_or_address_is_an_identity_check(call_id):
    assert statuses(call_id)["identity_check"] == "met"


def test_hand_checked_verdicts():
    assert statuses("01f7ec3700424bc0")["greeting"] == "partial"      # a bare "hello"
    assert statuses("05b6534dc3294138")["closing"] == "partial"       # only "anything else?"
    # "sure which card would you like to replace okay i've ordered … is there anything else"
    assert statuses("063ea0f1abb143c1")["clarification"] == "met"
    # branch hours given straight away: no question asked
    assert statuses("0126ffdce48049a9")["clarification"] == "not_met"
    # no stereo, no outbound call, nobody upset: not applicable, never guessed
    s = statuses("0002f70f7386445b")
    assert (s["let_finish"], s["call_purpose"], s["calm_customer"]) == ("not_applicable",) * 3
