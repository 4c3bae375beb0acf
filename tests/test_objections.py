"""Objections phrased without the stock cues: proposals, turn-downs, acceptances, hang-ups.

The wording here is deliberately unlike the development set's, in other sectors, so these
tests hold the general rules (a proposal is resisted by a "but" or a "not"; a question asks; an
acceptance accepts) rather than any one call's phrasing.
"""

from __future__ import annotations

import pytest

from conftest import call
from pipeline.detectors import objections


def detect(*lines, language):
    return objections.detect(call(*lines, language=language), objections.Params())


@pytest.mark.parametrize("lines, language", [
    ([("A", "Cabinet Verbist, bonjour, Élise à l'appareil."),
      ("C", "Bonjour, je voudrais régler ma note d'honoraires."),
      ("A", "Je peux vous proposer un échelonnement sur trois mois."),
      ("C", "Mouais, mais je préfère tout régler d'un coup."),
      ("A", "Avec l'échelonnement, vous gardez de la trésorerie pour les imprévus du trimestre.")],
     "fr"),
    ([("A", "Good morning, PhoneHub, Tariq here."), ("C", "Hi, I'm picking up my new handset."),
      ("A", "We can also add screen insurance for fifteen dollars a month."),
      ("C", "I don't think I'll drop it, honestly."),
      ("A", "Most cracked screens happen in the first year, and a repair costs two hundred.")],
     "en"),
    ([("A", "Goeiemiddag, Fietsenmakerij Claes, met Bram."),
      ("C", "Dag, ik kom mijn fiets ophalen."),
      ("A", "Ik kan u ook een onderhoudsbeurt per jaar aanbieden, voor veertig euro."),
      ("C", "Maar ik doe dat meestal zelf."),
      ("A", "Wij controleren ook de remmen en de verlichting, dat is veiliger in de winter.")],
     "nl"),
])
def test_a_proposal_turned_down_without_a_stock_phrase_is_an_objection(lines, language):
    d = detect(*lines, language=language)
    assert (d.status, d.facts["objections"], d.facts["rebuttals"]) == ("met", 1, 1), d.evidence


@pytest.mark.parametrize("lines, language", [
    ([("A", "Je peux vous proposer la livraison le samedi matin."),
      ("C", "Parfait, ça m'arrange.")], "fr"),
    ([("A", "Ik kan u ook een jaar gratis onderhoud aanbieden."),
      ("C", "Oké, dat is prima.")], "nl"),
    ([("A", "I can book you on the earlier train instead."),
      ("C", "Oh, how much is that one?"), ("A", "The same fare."),
      ("C", "Great, let's do that.")], "en"),
])
def test_questions_and_acceptances_are_not_objections(lines, language):
    d = detect(("A", "Hello"), ("C", "Hello"), *lines, language=language)
    assert d.status == "not_applicable" and d.facts["objections"] == 0, d.evidence


def test_an_unrelated_question_after_an_objection_leaves_it_unanswered():
    d = detect(("A", "Goedemorgen, helpdesk van Digitaal Vlaanderen, met Noor."),
               ("C", "Mijn laptop start niet meer op."),
               ("A", "Ik kan u een vervangtoestel opsturen, voor tien euro extra."),
               ("C", "Tien euro? Dat vind ik veel te duur."),
               ("A", "Welke browser gebruikt u?"), ("C", "Firefox."), language="nl")
    assert (d.status, d.facts["objections"], d.facts["rebuttals"]) == ("not_met", 1, 0)


def test_a_price_quoted_back_at_an_offer_is_a_price_objection():
    d = detect(("A", "Good afternoon, Lumen Energy, this is Grace."),
               ("C", "Hi, I'm moving house next month."),
               ("A", "I can offer you our green tariff at ninety pounds a month."),
               ("C", "My current supplier charges me seventy pounds."),
               ("A", "Ours is fixed for two years, so winter rises won't touch you."),
               language="en")
    assert d.facts["objections"] == 1 and d.status == "met"
    assert any(e.label == "objection:price" for e in d.evidence)


def test_hanging_up_after_objections_is_not_one_more_objection():
    d = detect(("C", "Allô ?"),
               ("A", "Bonjour, Hugo de Solara, je vous appelle pour vous proposer un audit gratuit "
                     "de votre toiture."),
               ("C", "Non merci, ça ne m'intéresse pas."),
               ("A", "L'audit est gratuit et sans engagement, et vous pourriez économiser."),
               ("C", "Non, vraiment. Je raccroche, au revoir."), language="fr")
    assert (d.facts["objections"], d.facts["rebuttals"]) == (1, 1)


def test_a_complaint_about_failed_advice_is_not_an_objection():
    d = detect(("A", "Support technique, bonjour."), ("C", "Mon imprimante n'imprime plus."),
               ("A", "Je vous conseille de réinstaller le pilote de l'imprimante."),
               ("C", "Je l'ai déjà fait hier, et ça ne fonctionne toujours pas."),
               ("A", "D'accord, je vous envoie un technicien."), language="fr")
    assert d.status == "not_applicable"


# ---------------------------------------------------------------------------------------------
# Answers that carry on past a price objection; questions the agent asks back; caps on a deal


@pytest.mark.parametrize("lines, language", [
    ([("A", "Bonjour, Literie Dumont, Chloé à l'appareil."), ("C", "Je viens chercher mon matelas."),
      ("A", "Pour trente euros, nous pouvons aussi reprendre l'ancien."),
      ("C", "Trente euros ? C'est bien trop cher pour ça."),
      ("A", "Le chauffeur passera entre neuf heures et midi.")], "fr"),
    ([("A", "Goeiemiddag, Keukens Peeters, met Jan."), ("C", "Ik bel over de plaatsing."),
      ("A", "Voor vijftig euro kunnen we ook de oude keuken afvoeren."),
      ("C", "Vijftig euro? Dat vind ik veel te duur."),
      ("A", "De monteurs komen dinsdag rond acht uur.")], "nl"),
])
def test_a_price_objection_answered_with_no_word_of_money_is_unanswered(lines, language):
    d = detect(*lines, language=language)
    assert (d.status, d.facts["objections"], d.facts["unanswered"]) == ("not_met", 1, 1)


@pytest.mark.parametrize("answer, expected", [
    ("Cela reste moins de deux pour cent du prix du canapé.", "met"),   # value
    ("Le montage est garanti deux ans.", "met"),                       # a rebuttal cue
    ("Le chauffeur vous appellera la veille.", "not_met"),             # carries on
])
def test_a_price_objection_is_answered_by_speaking_of_value(answer, expected):
    d = detect(("A", "Bonjour, Meubles Lenoir, Paul à l'appareil."),
               ("C", "Je voudrais faire livrer mon canapé."),
               ("A", "Pour quarante euros, nos livreurs peuvent aussi le monter."),
               ("C", "C'est trop cher."), ("A", answer), language="fr")
    assert (d.facts["objections"], d.status) == (1, expected), d.evidence


def test_an_unpunctuated_question_with_a_tag_after_an_objection_moves_on():
    d = detect(("A", "bonjour assurances delvaux julie à l'appareil"),
               ("C", "bonjour je voudrais assurer ma maison"),
               ("A", "je peux vous proposer notre formule confort à trente euros par mois"),
               ("C", "c'est plus cher que mon assureur actuel"),
               ("A", "vous avez un garage attenant non"), language="fr")
    assert (d.status, d.facts["unanswered"]) == ("not_met", 1), d.evidence


def test_a_refusal_ending_in_non_is_no_question():
    d = detect(("A", "Bonjour, Abonnements Lire, je vous appelle pour vous proposer notre magazine."),
               ("C", "Ah je ne pense pas, non."),
               ("A", "Le premier mois est offert, sans engagement."), language="fr")
    assert d.facts["objections"] == 1 and d.status == "met", d.evidence


def test_a_no_to_the_question_an_answer_asks_back_is_no_objection():
    d = detect(("C", "Hello?"),
               ("A", "Good morning, this is Leah from the security team at Northfield Bank."),
               ("C", "Are you really from the bank? I've had scam calls before."),
               ("A", "You're right to check. Yesterday a card payment of ninety pounds was made "
                     "in Leeds, was that you?"),
               ("C", "No, definitely not, I was at home."), language="en")
    assert (d.facts["objections"], d.status) == (1, "met"), d.evidence
    assert any(e.label == "objection:distrust" for e in d.evidence)


@pytest.mark.parametrize("lines, language", [
    ([("A", "Ik kan u de premium bundel aanbieden voor vijf euro extra per maand."),
      ("C", "Goed, vijf euro dan, maar niet meer.")], "nl"),
    ([("A", "I can offer you the plus plan for five pounds more a month."),
      ("C", "Okay, five pounds then, but no more.")], "en"),
])
def test_consent_with_a_cap_on_the_price_is_no_objection(lines, language):
    d = detect(("A", "Hello"), ("C", "Hello"), *lines, language=language)
    assert d.status == "not_applicable" and d.facts["objections"] == 0, d.evidence


def test_maar_as_a_particle_is_no_but():
    d = detect(("A", "Hallo"), ("C", "Hallo"),
               ("A", "Ik kan u de verhuis op zaterdag voorstellen, met drie verhuizers."),
               ("C", "Allez, zet het dan maar vast."), language="nl")
    assert d.status == "not_applicable", d.evidence


def test_a_time_of_day_is_no_answer_to_a_price_objection():
    d = detect(("A", "Bonjour, Chauffage Remy, Léa à l'appareil."), ("C", "Bonjour."),
               ("A", "Pour quatre-vingts euros, nous pouvons aussi détartrer la chaudière."),
               ("C", "Quatre-vingts euros ? C'est trop cher."),
               ("A", "Le technicien passe demain à 9 heures."), language="fr")
    assert (d.status, d.facts["unanswered"]) == ("not_met", 1), d.evidence


def test_saying_goodbye_after_an_objection_accepts_it():
    d = detect(("C", "Hello?"),
               ("A", "Hi, this is Sam from Crest Windows, I'm calling to offer you a free quote."),
               ("C", "Sorry, I'm not interested."),
               ("A", "Thanks for your time then, have a nice evening."), language="en")
    assert (d.status, d.facts["rebuttals"]) == ("met", 0), d.evidence


@pytest.mark.parametrize("reply, language", [
    ("Il faut que j'en parle à mes parents d'abord.", "fr"),
    ("I'd have to talk it over with my partner.", "en"),
    ("Dat moet ik eerst bespreken met mijn vrouw.", "nl"),
])
def test_talking_it_over_with_someone_is_a_timing_objection(reply, language):
    offer = {"fr": "Je peux vous proposer le forfait famille à vingt euros par mois.",
             "en": "I can offer you the family plan at twenty pounds a month.",
             "nl": "Ik kan u het gezinsabonnement aanbieden voor twintig euro per maand."}
    d = detect(("A", "Hello"), ("C", "Hello"), ("A", offer[language]), ("C", reply),
               language=language)
    assert any(e.label.startswith("objection:timing") for e in d.evidence), d.evidence
