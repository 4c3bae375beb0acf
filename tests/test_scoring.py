"""Scoring a transcript against a rubric: weights, verdict, critical criteria, feedback."""

from __future__ import annotations

import pytest
import yaml

from conftest import call
from pipeline.evidence import Detection, Evidence
from pipeline.rubric import RUBRICS_DIR, load_rubric
from pipeline.scoring import (CriterionResult, Scorecard, render_feedback, score_transcript,
                              weighted_score)
from pipeline.transcript import AGENT, CUSTOMER, Transcript, Turn, gaps_from_turns


GOOD_FR = call(
    ("A", "Bonjour, vous êtes bien chez Lumiéra Énergie, Sophie à l'appareil."),
    ("C", "Bonjour, je voudrais changer l'adresse de facturation de mon contrat."),
    ("A", "Très bien. Pouvez-vous me donner votre numéro de client ?"),
    ("C", "Oui, c'est le 45 12 33 80."),
    ("A", "Si je comprends bien, vous souhaitez modifier l'adresse de facturation de votre contrat."),
    ("C", "C'est ça."),
    ("A", "C'est fait, je vous confirme le changement. Puis-je faire autre chose pour vous ?"),
    ("C", "Non merci."),
    ("A", "Merci de votre appel, bonne journée."),
)


def result(status: str, weight: float, critical: bool = False) -> CriterionResult:
    return CriterionResult(id=status, title="", status=status, evidence=(), competences=(),
                           weight=weight, critical=critical, feedback="", facts={})


def test_good_french_call_is_ok_with_french_feedback():
    card = score_transcript(GOOD_FR, load_rubric("core"))
    assert isinstance(card, Scorecard)
    statuses = {c.id: c.status for c in card.criteria}
    assert statuses == {"greeting": "met", "identity_check": "met", "reformulation": "met",
                        "objections": "not_applicable", "closing": "met", "silence": "met"}
    assert card.score == 100.0 and card.verdict == "OK"
    greeting = card.criteria[0]
    assert greeting.title == "Se présente au téléphone"
    assert "Lumiéra" in greeting.feedback                     # {quote} filled in
    assert greeting.competences == ("D140801 Id17425", "01", "02.01") and greeting.critical
    objections = next(c for c in card.criteria if c.id == "objections")
    assert objections.facts["objections"] == 0 and objections.facts["rebuttals"] == 0


def test_report_language_overrides_and_unknown_language_falls_back_to_english():
    card = score_transcript(GOOD_FR, load_rubric("core"), report_language="nl")
    assert card.criteria[0].title == "Stelt zich voor aan de telefoon"
    unknown = Transcript(turns=GOOD_FR.turns, language="de")
    card = score_transcript(unknown, load_rubric("core"))
    assert card.criteria[0].title == "Introduces themself on the phone"


def test_critical_not_met_fails_the_call_whatever_the_score(tmp_path):
    data = yaml.safe_load((RUBRICS_DIR / "core.yaml").read_text(encoding="utf-8"))
    data["pass_mark"] = 10
    path = tmp_path / "lenient.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    no_greeting = call(*[("A", "Oui ?")] + list((w, t) for w, t in
                                               [(x.speaker[0].upper(), x.text)
                                                for x in GOOD_FR.turns[1:]]))
    card = score_transcript(no_greeting, load_rubric(path))
    assert card.criteria[0].status == "not_met"
    assert card.score >= 10 and card.verdict == "NOK"


def test_weighted_score_ignores_not_applicable():
    results = (result("met", 20), result("partial", 20), result("not_met", 10),
               result("not_applicable", 50))
    assert weighted_score(results) == 60.0
    assert weighted_score((result("not_applicable", 5),)) == 0.0


def test_below_pass_mark_is_nok():
    card = score_transcript(call(("A", "oui"), ("C", "ma box ne marche plus"), ("A", "ok")),
                            load_rubric("core"))
    assert card.verdict == "NOK" and card.score < 70
    for c in card.criteria:
        if c.status != "not_applicable":
            assert c.evidence, c.id                            # evidence or no verdict


def test_feedback_template_fills_quote_and_facts_and_blanks_unknown_names():
    ev = Evidence(0, 1, "agent", "x" * 300, "rebuttal")
    det = Detection("met", (ev,), {"objections": 2, "rebuttals": 1})
    text = render_feedback("{objections}/{rebuttals} «{quote}» {nothing}", det)
    assert text.startswith("2/1 «xxx") and text.endswith("…»")
    assert render_feedback("{quote}", Detection("met")) == ""


@pytest.mark.parametrize("language", ["nl", "en"])
def test_scores_dutch_and_english_calls(language):
    lines = {
        "nl": [("A", "Goedemiddag, u spreekt met Jan van de klantendienst."),
               ("C", "Mijn internet valt elke avond uit."),
               ("A", "Mag ik uw klantennummer, alstublieft?"), ("C", "Dat is 8812 33."),
               ("A", "Als ik het goed begrijp valt uw internet elke avond uit."),
               ("C", "Ja."), ("A", "Kan ik nog iets voor u doen?"), ("C", "Nee dank u."),
               ("A", "Bedankt voor uw oproep, nog een fijne dag.")],
        "en": [("A", "Good morning, Acme Energy, Tom speaking."),
               ("C", "My internet drops every evening."),
               ("A", "Can I have your account number please?"), ("C", "It's 8812 33."),
               ("A", "So if I understand correctly, your internet drops every evening."),
               ("C", "Yes."), ("A", "Is there anything else I can help you with?"),
               ("C", "No thanks."), ("A", "Thank you for calling, have a great day.")],
    }[language]
    card = score_transcript(call(*lines, language=language), load_rubric("core"))
    assert card.verdict == "OK", [(c.id, c.status) for c in card.criteria]


def test_feedback_quotes_the_customer_and_drops_empty_quotes():
    det = Detection("not_met", (Evidence(0, 2, "customer", "ma box ne marche plus", "request"),
                                Evidence(3, 4, "agent", "[noise] d'accord", "agent reply")))
    text = render_feedback("Le client a dit « {customer_quote} » ; vous : « {quote} ».", det)
    assert text == "Le client a dit « ma box ne marche plus » ; vous : « d'accord »."
    # No agent words: the customer's are never passed off as the trainee's.
    only_customer = Detection("not_met", (Evidence(0, 2, "customer", "allô ?", "x"),))
    assert render_feedback("Pas d'ouverture (« {quote} »). Ouvrez par « Bonjour ».",
                           only_customer) == "Pas d'ouverture. Ouvrez par « Bonjour »."
    assert render_feedback('No opening ("{quote}"), say hello.', Detection("met")) == \
        "No opening, say hello."


def test_feedback_quotes_what_shows_the_verdict():
    found = Evidence(10, 11, "agent", "Au revoir.", "farewell")
    window = Evidence(2, 11, "agent", "Long stretch of the last turns. Au revoir.",
                      "agent's last turns")
    assert render_feedback("{quote}", Detection("partial", (window, found))) == "Au revoir."
    pushed = Evidence(8, 9, "agent", "Signez maintenant !", "rebuttal (beyond the limit)")
    first = Evidence(2, 3, "agent", "C'est gratuit.", "rebuttal")
    assert render_feedback("{quote}", Detection("not_met", (first, pushed))) == \
        "Signez maintenant !"
    assert render_feedback("{quote}", Detection("met", (first, pushed))) == "C'est gratuit."


BAD_OUTBOUND = call(
    ("C", "Allô ?"), ("A", "Bonjour madame, Julie de la société Énergie Plus."),
    ("C", "Oui ?"), ("A", "Vous êtes bien madame Durand ?"), ("C", "Oui."),
    ("A", "Très bien. Merci, bonne journée, au revoir."))


def test_outbound_rubric_fails_a_call_that_never_says_why():
    card = score_transcript(BAD_OUTBOUND, load_rubric("opcl-outbound"))
    statuses = {c.id: c.status for c in card.criteria}
    assert statuses["call_purpose"] == "not_met" and statuses["greeting"] == "met"
    assert statuses["objections"] == "not_applicable"
    assert card.verdict == "NOK"                 # call_purpose is critical there
    purpose = next(c for c in card.criteria if c.id == "call_purpose")
    assert purpose.competences == ("02.01",) and "Je vous appelle au sujet de" in purpose.feedback


@pytest.mark.parametrize("rubric_id", ["opcl-inbound", "cc0213", "hd0214"])
def test_standard_rubrics_score_a_good_call_ok_with_evidence(rubric_id):
    card = score_transcript(GOOD_FR, load_rubric(rubric_id))
    assert card.verdict == "OK", [(c.id, c.status) for c in card.criteria]
    for c in card.criteria:
        assert c.feedback and "{" not in c.feedback, c.id
        if c.status != "not_applicable":
            assert c.evidence, c.id
    # not_applicable criteria leave the denominator: the score is over what applied.
    applicable = [c for c in card.criteria if c.status != "not_applicable"]
    assert card.score == weighted_score(tuple(applicable))


def test_feedback_follows_the_report_language_for_every_rubric():
    for rubric_id in ("opcl-inbound", "opcl-outbound", "cc0213", "hd0214"):
        nl = score_transcript(GOOD_FR, load_rubric(rubric_id), report_language="nl")
        en = score_transcript(GOOD_FR, load_rubric(rubric_id), report_language="en")
        rubric = load_rubric(rubric_id)
        for c_nl, c_en, spec in zip(nl.criteria, en.criteria, rubric.criteria):
            assert c_nl.title == spec.title.nl and c_en.title == spec.title.en
