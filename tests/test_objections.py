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
