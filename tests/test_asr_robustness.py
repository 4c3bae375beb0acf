"""Detector rules for what the ASR does to a call: questions punctuated as statements, a
proper name garbled beside the word that says what kind of organisation it is, a cue word
misheard inside a longer phrase, a consent run into the reserve before it.  Each is tested
on hand-built turns in other sectors and wordings than the development set, with the hard
negatives that must still not count."""

from __future__ import annotations

import pytest

from conftest import call
from pipeline.detectors import closing, greeting, identity_check, objections, silence
from pipeline.text import find_phrase, tokens
from pipeline.transcript import AGENT, Gap, Transcript, Turn


# ---------------------------------------------------------------------------------------------
# Phrase matching: a phrase holding a filler word ("bien", "so", "even") is found mid-sentence


@pytest.mark.parametrize("text, phrase, language", [
    ("ici julie de chez vitalia vous êtes bien madame martin", "vous êtes bien madame", "fr"),
    ("goeiemiddag met an is het zo dat u even wacht", "is het zo dat", "nl"),
    ("hello there this is just to say so long", "just to say", "en"),
])
def test_a_phrase_with_a_filler_word_is_found_after_other_words(text, phrase, language):
    assert find_phrase(tokens(text), phrase, language=language) is not None


# ---------------------------------------------------------------------------------------------
# greeting: the kind of organisation opens the answer ("SPF Finances, …", "Bonjour, Banque …")


@pytest.mark.parametrize("opening, language, expected", [
    ("SPF Mobilité, centre d'appels, je vous écoute.", "fr", "partial"),
    ("Bonjour, mutualité ardennaise, que puis-je pour vous ?", "fr", "met"),
    ("bonjour, banque del rio, à votre service", "fr", "met"),
    ("Goeiemiddag, ziekenhuis Aalst, onthaal.", "nl", "met"),
    ("Gemeenteschoten, dienst burgerzaken.", "nl", "partial"),
    ("Good morning, city council, parking permits.", "en", "met"),
])
def test_greeting_an_answer_opening_with_a_kind_of_organisation_identifies(opening, language,
                                                                            expected):
    detection = greeting.detect(call(("A", opening), ("C", "..."), language=language))
    assert detection.status == expected, detection


@pytest.mark.parametrize("opening, language, expected", [
    # The kind word inside a sentence, or a long clause, is talk, not a name.
    ("Bonjour, le service a été coupé chez vous depuis quand ?", "fr", "partial"),
    ("Bonjour, votre banque vous a envoyé un courrier la semaine passée ?", "fr", "partial"),
    ("Hello, the office was closed all of last week, sorry about that.", "en", "partial"),
    # The kind word alone names nobody.
    ("Ja, dienst?", "nl", "not_met"),
])
def test_greeting_a_kind_of_organisation_in_a_sentence_names_nothing(opening, language, expected):
    detection = greeting.detect(call(("A", opening), ("C", "..."), language=language))
    assert detection.status == expected, detection


# ---------------------------------------------------------------------------------------------
# identity_check: a read-back punctuated as a statement; "what name is it under?"


@pytest.mark.parametrize("lines, language", [
    ([("A", "Bonjour, Énergie Wallonne. Je suis bien au 081 22 45 67, chez madame Leroy."),
      ("C", "Oui, c'est moi.")], "fr"),
    ([("A", "Goedemiddag. Klopt het dat uw klantnummer eindigt op 5521."), ("C", "Ja.")], "nl"),
    ([("A", "Good morning, Harbour Hotels. What name is the booking under?"),
      ("C", "Okafor.")], "en"),
    ([("A", "Hallo, met de bibliotheek. Wat is uw lidkaart nummer?"), ("C", "Even kijken.")],
     "nl"),
])
def test_identity_checks_the_asr_punctuated_or_worded_otherwise(lines, language):
    detection = identity_check.detect(call(*lines, language=language))
    assert detection.status == "met", detection


@pytest.mark.parametrize("lines, language", [
    # A number said in passing, the cue not opening the sentence: no check.
    ([("A", "Bonjour. Votre colis 45781 est bien parti ce matin."), ("C", "Merci.")], "fr"),
    # "what name" of something else than the customer is still a name... of a product: no.
    ([("A", "Hello. The order 55120 left our warehouse today."), ("C", "Great.")], "en"),
])
def test_identity_numbers_said_in_passing_are_no_check(lines, language):
    detection = identity_check.detect(call(*lines, language=language))
    assert detection.status == "not_met", detection


# ---------------------------------------------------------------------------------------------
# silence: "while I check", "ik zoek" announce a hold; closing: "… I can do for you?"


@pytest.mark.parametrize("announcement, language", [
    ("Right, while I look that up.", "en"),
    ("Ik zoek uw gegevens op.", "nl"),
    ("Pendant que je regarde votre dossier.", "fr"),
])
def test_silence_a_look_up_announces_a_hold(announcement, language):
    turns = (Turn(AGENT, 0.0, 3.0, announcement), Turn(AGENT, 15.0, 17.0, "Thanks."))
    transcript = Transcript(turns=turns, language=language, duration_s=17.0,
                            gaps=(Gap(3.0, 15.0),))
    assert [g.kind for g in silence.classify_gaps(transcript, silence.Params())] == ["hold"]


def test_silence_a_question_starting_while_is_no_hold():
    turns = (Turn(AGENT, 0.0, 3.0, "And while you were abroad, did you use the card?"),
             Turn(AGENT, 15.0, 17.0, "Hello?"))
    transcript = Transcript(turns=turns, language="en", duration_s=17.0, gaps=(Gap(3.0, 15.0),))
    assert [g.kind for g in silence.classify_gaps(transcript, silence.Params())] == ["dead_air"]


@pytest.mark.parametrize("lines, language", [
    ([("A", "Hello."), ("C", "Hi, my screen is broken."), ("A", "I have booked a repair."),
      ("C", "Thanks."), ("A", "Great. Is there something more I can do for you? Bye.")], "en"),
    ([("A", "Bonjour."), ("C", "Mon écran est cassé."), ("A", "J'ai réservé une réparation."),
      ("C", "Merci."), ("A", "Parfait. Qu'est-ce que je peux encore faire pour vous ? Au revoir.")],
     "fr"),
])
def test_closing_an_offer_of_help_said_otherwise(lines, language):
    detection = closing.detect(call(*lines, language=language))
    assert detection.status == "met", detection


# ---------------------------------------------------------------------------------------------
# objections: consent after the reserve ends the matter; plan resisted by its timing


def _objections(*lines, language):
    return objections.detect(call(*lines, language=language))


def test_consent_after_a_reserve_in_one_sentence_is_no_objection():
    d = _objections(("A", "Good afternoon, Brightline Broadband, this is Omar."),
                    ("C", "Hi, I want to cancel my contract."),
                    ("A", "Rather than cancel, I can offer you half price for six months."),
                    ("C", "Six months only, but fine, okay, let's do that."), language="en")
    assert d.status == "not_applicable", d.evidence


def test_a_reserve_after_consent_is_still_an_objection():
    d = _objections(("A", "Goedemiddag, Telenet, met Sien."),
                    ("C", "Ik wil mijn abonnement opzeggen."),
                    ("A", "Ik stel voor dat u overstapt naar ons basispakket van twintig euro."),
                    ("C", "Oké, maar dat is nog altijd te duur voor mij."),
                    ("A", "Het eerste jaar krijgt u wel vijf euro korting per maand."),
                    language="nl")
    assert (d.status, d.facts["objections"]) == ("met", 1), d.evidence


@pytest.mark.parametrize("plan, resisted, answer, language", [
    ("Hello, I'm calling about your boiler service. Our engineer comes tomorrow at eight.",
     "Tomorrow morning doesn't suit me, I have a hospital appointment.",
     "No problem, I will book Friday instead.", "en"),
    ("Goeiemiddag, ik bel u over het onderhoud van uw ketel. De technieker komt morgen om acht uur.",
     "Morgenvroeg? Dat komt mij slecht uit, dan moet ik naar de dokter.",
     "Geen probleem, dan plan ik vrijdag in.", "nl"),
    ("Bonjour, je vous appelle au sujet de l'entretien de votre chaudière. Le technicien passe "
     "demain à huit heures.",
     "Demain matin ? Ça ne m'arrange pas, j'ai un rendez-vous chez le médecin.",
     "Pas de problème, je le mets vendredi.", "fr"),
])
def test_an_outbound_plan_resisted_for_its_timing_is_an_objection(plan, resisted, answer,
                                                                   language):
    d = _objections(("C", "Allo?"), ("A", plan), ("C", resisted), ("A", answer),
                    language=language)
    assert d.facts["objections"] == 1 and d.status == "met", d.evidence
