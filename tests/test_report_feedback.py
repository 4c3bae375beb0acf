"""The trainee's feedback (Markdown and its model): strengths with quotes, then what to work on,
most urgent first, in the trainee's language, with nothing a transcript can turn into markup."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.analysis import AnalysisOptions, analyse
from pipeline.report.feedback import trainee_feedback
from pipeline.report.markdown import to_markdown
from pipeline.report.wording import clock, page_language, wording
from pipeline.rubric import load_rubric

SAMPLES = Path(__file__).resolve().parent.parent / "sample_calls"


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("core")


def _report(call_id: str, rubric, **options):
    return analyse(SAMPLES / "truth" / f"{call_id}.json", rubric=rubric,
                   options=AnalysisOptions(**options))


def test_feedback_groups_strengths_and_next_steps(rubric):
    report = _report("fr_it_helpdesk", rubric)
    feedback = trainee_feedback(report, wording("fr"))
    statuses = {c.id: c.status for c in report.scorecard.criteria}
    assert {p.criterion_id for p in feedback.went_well} == {
        k for k, v in statuses.items() if v == "met"}
    assert {p.criterion_id for p in feedback.next_time} == {
        k for k, v in statuses.items() if v in ("partial", "not_met")}
    # A critical criterion that fails the call comes first.
    assert feedback.next_time[0].criterion_id == "identity_check"
    assert "n'est pas encore validé" in feedback.intro
    # Each point says where to listen: the agent's own words when there are some.
    assert all(p.moment is not None for p in feedback.went_well + feedback.next_time)
    greeting = next(p for p in feedback.went_well if p.criterion_id == "greeting")
    assert greeting.moment.speaker == "agent" and greeting.moment.start < 1


def test_markdown_is_short_and_in_the_call_language(rubric):
    text = to_markdown(_report("nl_parcel_delivery", rubric))
    assert text.startswith("# Feedback op gesprek nl\\_parcel\\_delivery")
    assert "## Wat goed ging" in text and "Goed gedaan" in text
    assert len(text.splitlines()) < 40
    # The feedback quotes the trainee and says when, so they can listen again.
    greeting = next(line for line in text.splitlines() if line.startswith("- **Stelt zich"))
    assert "[0:00]" in greeting


def test_markdown_follows_the_report_language(rubric):
    report = _report("fr_bank", rubric, report_language="en")
    text = to_markdown(report, language="en")
    assert "## What went well" in text and "## Next time" in text
    card = report.scorecard
    assert f"**Score: {card.score:.0f}/100 — {card.verdict}**" in text


def test_markdown_neutralises_markup_from_the_transcript(rubric):
    # Feedback sentences quote the transcript: whatever the transcript holds reaches them.
    report = _report("fr_bank", rubric)
    hostile = "Hello, <b>Emma</b> from [Northway](http://x.test) here, `rm -rf` *now*"
    criteria = tuple(replace(c, feedback=f"{c.feedback} « {hostile} »", title=f"{c.title} #1")
                     for c in report.scorecard.criteria)
    report = replace(report, scorecard=replace(report.scorecard, criteria=criteria))
    text = to_markdown(report)
    assert "<b>" not in text and "](http" not in text.replace("\\](http", "")
    assert "\\<b\\>Emma" in text and "\\[Northway\\](http" in text and "\\`rm" in text
    assert "\\*now\\*" in text and "\\#1" in text


def test_words_and_clock():
    assert page_language(None, "nl") == "nl"
    assert page_language("en", "fr") == "en"
    assert page_language(None, "de") == "en"
    assert clock(9.99) == "0:09" and clock(61) == "1:01" and clock(3725) == "1:02:05"
