"""The detectors beyond the five core behaviours (behaviours.md, "Beyond the five"): for each, a
positive and a hard negative in French, plus Dutch and English cases, on hand-built
transcripts; unpunctuated ASR-style text included."""

from __future__ import annotations

import pytest

from conftest import call
from pipeline.detectors import (call_purpose, callback, calm_customer, clarification, let_finish,
                                short_sentences, transfer, upsell)
from pipeline.detectors._direction import call_direction
from pipeline.transcript import AGENT, CUSTOMER, Overlap, Transcript, Turn, Word

A, C = "A", "C"


def assert_evidence(detection) -> None:
    """Every verdict but not_applicable is backed by quotes with turn and timestamps."""
    if detection.status != "not_applicable":
        assert detection.evidence, detection
    for ev in detection.evidence:
        assert ev.end >= ev.start and ev.text and ev.label
        if ev.speaker:                # a quote of someone's words points at their turn
            assert ev.turn_index is not None


def labels(detection) -> list[str]:
    return [e.label for e in detection.evidence]


# ---------------------------------------------------------------------------------------------
# clarification


@pytest.mark.parametrize("lines, language", [
    ([(A, "Bonjour, service informatique, j'écoute."),
      (C, "mon imprimante ne fonctionne plus depuis ce matin"),
      (A, "D'accord. Quel message d'erreur s'affiche exactement ?")], "fr"),
    ([(A, "bonjour"), (C, "je n'arrive plus à me connecter à mon espace client"),
      (A, "vous avez un message particulier quand vous essayez ?")], "fr"),
    ([(A, "Bonjour."), (C, "Ma facture est plus élevée que d'habitude."),
      (A, "C'est-à-dire ? Vous parlez de la facture de mars ?")], "fr"),
    ([(A, "hello how can i help"), (C, "i lost my credit card yesterday"),
      (A, "okay and which card would you like to cancel")], "en"),
    ([(A, "Goedemiddag."), (C, "Mijn internet valt steeds uit."),
      (A, "Sinds wanneer heeft u dat probleem?")], "nl"),
])
def test_clarification_met(lines, language):
    d = clarification.detect(call(*lines, language=language))
    assert d.status == "met", d
    assert "clarifying question" in labels(d) and "customer said" in labels(d)
    assert_evidence(d)


@pytest.mark.parametrize("lines, language", [
    # only identity questions: that is identity_check, not clarification
    ([(A, "Bonjour, que puis-je faire pour vous ?"), (C, "ma box internet ne marche plus"),
      (A, "Quel est votre numéro de client ?"), (C, "le 45 12 33"),
      (A, "Je vous envoie un technicien demain matin.")], "fr"),
    # asking to repeat is an acoustic problem, not a question about the problem
    ([(A, "bonjour"), (C, "je voudrais changer mon adresse de livraison"),
      (A, "pardon, vous pouvez répéter ?"), (C, "changer mon adresse de livraison"),
      (A, "c'est fait.")], "fr"),
    # "anything else?" and a statement punctuated as one
    ([(A, "hello how can i help you"), (C, "i need to check my account balance"),
      (A, "Your balance is one hundred dollars. Is there anything else I can help you with?")],
     "en"),
    ([(A, "Goedemiddag, waarmee kan ik u helpen?"), (C, "Ik wil mijn adres wijzigen."),
      (A, "Dat is aangepast. Kan ik nog iets voor u doen?")], "nl"),
])
def test_clarification_hard_negatives(lines, language):
    d = clarification.detect(call(*lines, language=language))
    assert d.status == "not_met", d
    assert "customer request" in labels(d)
    assert_evidence(d)


def test_clarification_in_unpunctuated_speech_runs_on():
    # "which card …" then the result and "is there anything else" in one unpunctuated turn.
    t = call((A, "hello this is the bank how can i help you today"),
             (C, "hi i lost my credit card can you send me a new one"),
             (A, "sure which card would you like to replace okay i've ordered your replacement "
                 "is there anything else i can help you with"), language="en")
    assert clarification.detect(t).status == "met"
    # mid-sentence "what" does not ask
    t = call((A, "hello"), (C, "i need the branch hours"),
             (A, "that's what everybody asks the branch opens at nine"), language="en")
    assert clarification.detect(t).status == "not_met"


def test_clarification_not_applicable_without_a_request():
    d = clarification.detect(call((A, "Bonjour, que puis-je faire pour vous ?"), (C, "allô ?")))
    assert d.status == "not_applicable"


# ---------------------------------------------------------------------------------------------
# let_finish


def stereo(*lines: tuple[str, float, float, str], language: str = "fr",
           overlaps: tuple[Overlap, ...] = ()) -> Transcript:
    turns = tuple(Turn(AGENT if w == A else CUSTOMER, s, e, x) for w, s, e, x in lines)
    return Transcript(turns=turns, language=language, duration_s=max(t.end for t in turns),
                      channels=2, overlaps=overlaps)


def test_let_finish_met_when_the_agent_waits():
    t = stereo((A, 0, 2, "Bonjour, je vous écoute."),
               (C, 2.5, 9, "Je vous appelle parce que ma carte a été bloquée au distributeur."),
               (A, 9.4, 12, "Je comprends, je regarde tout de suite."))
    d = let_finish.detect(t)
    assert d.status == "met" and d.facts["interruptions"] == 0
    assert labels(d) == ["whole call checked"]
    assert_evidence(d)


def test_let_finish_interruption_over_one_second():
    t = stereo((A, 0, 2, "Bonjour."),
               (C, 2.5, 10, "Alors voilà, j'ai reçu une facture et je ne comprends pas pourquoi"),
               (A, 6.0, 9.0, "Oui mais attendez, quel est votre numéro de client ?"),
               (C, 11, 12, "le 4512"))
    d = let_finish.detect(t)
    assert d.status == "partial" and d.facts["interruptions"] == 1
    cut = d.evidence[0]
    assert cut.label.startswith("interruption (3.0 s") and cut.start == 6.0 and cut.speaker == AGENT
    assert "customer was speaking" in labels(d)
    assert_evidence(d)


def test_let_finish_hard_negatives_backchannel_short_overlap_and_mono():
    # "oui oui, d'accord" over the customer is listening, not taking the turn
    t = stereo((C, 0, 8, "Mon colis devait arriver lundi et je n'ai toujours rien reçu"),
               (A, 3, 4.5, "oui oui, d'accord"), (A, 8.5, 10, "Je regarde."))
    d = let_finish.detect(t)
    assert d.status == "met" and d.facts["backchannels"] == 1
    assert "listening signal (not an interruption)" in labels(d)
    # an overlap of 0.5 s (the agent starts as the customer ends) is no interruption
    t = stereo((C, 0, 5, "je voudrais résilier"), (A, 4.5, 7, "Très bien, je m'en occupe."))
    assert let_finish.detect(t).status == "met"
    # mono: turn times come from diarisation, overlap cannot be measured
    mono = call((C, "Alors voilà ma question"), (A, "Oui mais attendez"))
    assert let_finish.detect(mono).status == "not_applicable"


def test_let_finish_repeated_interruptions_not_met_english_and_word_times():
    words = tuple(Word(w, 0.5 * i, 0.5 * i + 0.4) for i, w in enumerate(
        "my internet has been dropping every evening since last week and".split()))
    t = Transcript(turns=(
        Turn(CUSTOMER, 0, 5.4, " ".join(w.text for w in words), words=words),
        Turn(AGENT, 1.0, 3.0, "right so did you restart the router"),
        Turn(AGENT, 3.6, 5.5, "and what lights are on"),
        Turn(CUSTOMER, 6, 7, "yes")), language="en", duration_s=7, channels=2)
    d = let_finish.detect(t)
    assert d.status == "not_met" and d.facts["interruptions"] == 2


def test_let_finish_uses_overlaps_measured_on_the_audio():
    # Turn times do not overlap (ASR), but the voices did: the measured overlap wins.
    t = stereo((C, 0, 6, "je vous explique le problème avec ma box"),
               (A, 6.1, 8, "non mais écoutez monsieur"),
               overlaps=(Overlap(5.6, 7.0, by=AGENT, over=CUSTOMER),))
    d = let_finish.detect(t)
    assert d.status == "partial" and d.evidence[0].label.startswith("interruption (1.4 s")


# ---------------------------------------------------------------------------------------------
# call_purpose


@pytest.mark.parametrize("lines, language", [
    ([(C, "Allô ?"), (A, "Bonjour madame, Julie de la société Énergie Plus."),
      (A, "Je vous appelle au sujet de votre contrat d'électricité qui arrive à échéance.")],
     "fr"),
    ([(A, "bonjour monsieur ici marc de la mutuelle santé plus je me permets de vous appeler "
          "concernant votre remboursement de mars")], "fr"),
    ([(C, "Hello?"), (A, "Hi, this is Tom from Acme Energy. I'm calling about your "
                         "recent meter reading.")], "en"),
    ([(C, "Ja, hallo?"), (A, "Goedemiddag, u spreekt met Els van Telenet. Ik bel u in verband "
                             "met uw nieuwe modem.")], "nl"),
])
def test_call_purpose_met_on_outbound_calls(lines, language):
    d = call_purpose.detect(call(*lines, language=language))
    assert d.status == "met", d
    assert any(lab.startswith("purpose of the call") for lab in labels(d))
    assert_evidence(d)


def test_call_purpose_not_met_when_the_agent_never_says_why():
    t = call((C, "Allô ?"), (A, "Bonjour, Julie de la société Énergie Plus."),
             (C, "Oui ?"), (A, "Vous êtes bien madame Durand ?"), (C, "Oui, c'est moi."),
             (A, "Très bien. Vous avez cinq minutes ?"))
    d = call_purpose.detect(t)
    assert d.status == "not_met" and "agent opening (no purpose stated)" in labels(d)
    assert_evidence(d)


def test_call_purpose_hard_negatives_inbound_and_rubric_direction():
    # Inbound: the customer brings the purpose; "je vous appelle" is said by the customer.
    inbound = call((A, "Bonjour, Énergie Plus, Claire à votre écoute."),
                   (C, "Bonjour, je vous appelle pour ma facture."))
    assert call_direction(inbound).value == "inbound"
    assert call_purpose.detect(inbound).status == "not_applicable"
    # A rubric for outbound calls sets the direction: no purpose stated is then not met.
    forced = call_purpose.Params(direction="outbound")
    t = call((A, "Bonjour, Julie de la société Énergie Plus."), (C, "Oui ?"),
             (A, "Vous allez bien ?"))
    assert call_purpose.detect(t, forced).status == "not_met"


def test_call_purpose_late_statement_is_partial():
    lines = [(C, "allô"), (A, "bonjour c'est julie de énergie plus je parle bien à madame durand")]
    lines += [(C, "oui"), (A, "vous allez bien aujourd'hui")] * 8
    lines += [(A, "je vous appelle au sujet de votre contrat d'électricité")]
    d = call_purpose.detect(call(*lines), call_purpose.Params(opening_s=20))
    assert d.status == "partial"


# ---------------------------------------------------------------------------------------------
# transfer


@pytest.mark.parametrize("lines, language", [
    ([(C, "J'ai une question technique sur mon compteur."),
      (A, "Je vous mets en relation avec le service technique, ne quittez pas.")], "fr"),
    ([(C, "je voudrais parler à un responsable"),
      (A, "je vous passe ma collègue responsable du service clients")], "fr"),
    ([(C, "I want to dispute a charge."),
      (A, "I'll transfer you to our billing department, they can open the dispute.")], "en"),
    ([(C, "Ik heb een vraag over mijn factuur."),
      (A, "Ik verbind u door met de facturatiedienst.")], "nl"),
])
def test_transfer_met_with_target(lines, language):
    d = transfer.detect(call(*lines, language=language))
    assert d.status == "met", d
    assert "hand-over with its target" in labels(d)
    assert_evidence(d)


def test_transfer_partial_without_target_and_not_met_when_needed():
    d = transfer.detect(call((C, "c'est pour une question de facture"),
                             (A, "je vous transfère, ne quittez pas")))
    assert d.status == "partial" and "hand-over (to whom?)" in labels(d)
    d = transfer.detect(call((C, "Je voudrais parler à votre responsable."),
                             (A, "Il n'est pas disponible. Autre chose ?")))
    assert d.status == "not_met"
    assert labels(d) == ["customer asks for someone else", "agent reply (no hand-over)"]
    assert_evidence(d)


def test_transfer_hard_negatives():
    # "je vous passe les détails" hands nothing over; a hold is not a transfer
    t = call((C, "Pourquoi ma facture a augmenté ?"),
             (A, "Je vous passe les détails, c'est la hausse du tarif de janvier."),
             (A, "Un instant, je vérifie votre dossier."))
    assert transfer.detect(t).status == "not_applicable"
    t = call((C, "can you check my balance"), (A, "let me check that for you one moment"),
             language="en")
    assert transfer.detect(t).status == "not_applicable"


# ---------------------------------------------------------------------------------------------
# callback


@pytest.mark.parametrize("lines, language", [
    ([(A, "Bonjour, je souhaiterais parler à monsieur Dupont."), (C, "Il n'est pas là."),
      (A, "Quand puis-je le rappeler ?"), (C, "Demain après 18 heures.")], "fr"),
    ([(C, "je dois vérifier avec mon comptable"),
      (A, "très bien je vous rappelle jeudi matin vers dix heures")], "fr"),
    ([(C, "Sorry, I'm driving right now."),
      (A, "No problem, when would be a good time to call you back?")], "en"),
    ([(C, "Hij is er niet."), (A, "Wanneer kan ik hem terugbellen?")], "nl"),
])
def test_callback_met_with_a_moment(lines, language):
    d = callback.detect(call(*lines, language=language))
    assert d.status == "met", d
    assert "call-back with a moment" in labels(d)
    assert_evidence(d)


def test_callback_partial_without_a_moment_and_not_met_when_needed():
    d = callback.detect(call((C, "je n'ai pas la réponse"), (A, "on vous rappellera.")))
    assert d.status == "partial" and "call-back (when?)" in labels(d)
    d = callback.detect(call((A, "Je voudrais parler à madame Leroy."),
                             (C, "Elle est absente."), (A, "D'accord, au revoir.")))
    assert d.status == "not_met"
    assert labels(d) == ["call-back needed", "agent reply (no call-back)"]
    assert_evidence(d)


def test_callback_hard_negatives():
    # "je vous rappelle que …" reminds; "rappelez-moi votre numéro" asks for a datum;
    # "je vous appelle car …" says why one calls now.
    t = call((A, "Je vous rappelle que votre contrat se termine en juin."),
             (A, "Rappelez-moi votre numéro de client ?"), (C, "le 4512"),
             (A, "Je vous appelle car votre adresse peut recevoir la fibre."))
    assert callback.detect(t).status == "not_applicable"
    # The customer calling back later is not the agent arranging a call-back.
    t = call((C, "ok i'll call back later if i need to"), (A, "sure have a great day"),
             language="en")
    assert callback.detect(t).status == "not_applicable"


def test_callback_on_outbound_calls_a_put_off_needs_a_relance():
    t = call((C, "Allô ?"), (A, "Bonjour, je vous appelle au sujet de notre offre fibre."),
             (C, "Je dois réfléchir."), (A, "D'accord, bonne journée."))
    assert callback.detect(t).status == "not_met"
    inbound = call((A, "Bonjour, service client."), (C, "Je dois réfléchir à votre devis."),
                   (A, "D'accord, bonne journée."))
    assert callback.detect(inbound).status == "not_applicable"


# ---------------------------------------------------------------------------------------------
# upsell


@pytest.mark.parametrize("lines, language", [
    ([(C, "Je voudrais augmenter le plafond de ma carte pour mon voyage."),
      (A, "C'est fait. Je vous propose aussi notre assurance voyage à 4 euros par mois.")], "fr"),
    ([(C, "je voudrais une nouvelle box"),
      (A, "c'est commandé et je peux vous proposer en plus l'option télévision à 5 euros")], "fr"),
    ([(C, "I need to change my billing address."),
      (A, "Done. While I have you, would you be interested in our premium plan?")], "en"),
    ([(C, "Ik wil mijn adres wijzigen."),
      (A, "Dat is aangepast. Wist u dat we ook een voordelige reisverzekering hebben?")], "nl"),
])
def test_upsell_met(lines, language):
    d = upsell.detect(call(*lines, language=language))
    assert d.status == "met", d
    assert any(lab in ("additional offer", "offer beyond the request") for lab in labels(d))
    assert_evidence(d)


def test_upsell_hard_negatives():
    # A troubleshooting suggestion is not a sale.
    t = call((C, "ma box ne marche plus"), (A, "je vous conseille de la redémarrer aussi"))
    assert upsell.detect(t).status == "not_applicable"
    # The outbound pitch itself is the main sale, not an additional one.
    pitch = call((C, "Allô ?"), (A, "Bonjour, je vous appelle pour vous proposer notre offre "
                                    "fibre à 25 euros par mois."), (C, "Oui, pourquoi pas."),
                 (A, "Parfait, je vous inscris."))
    assert upsell.detect(pitch, upsell.Params(required=True)).status == "not_met"
    # Offering what the customer asked for is not an upsell, even "aussi".
    t = call((C, "j'ai perdu ma carte bancaire"),
             (A, "je vous propose aussi de vous envoyer une nouvelle carte"))
    assert upsell.detect(t).status == "not_applicable"
    # Answering the customer's own request for a product is not an upsell.
    t = call((C, "je voudrais souscrire une assurance habitation"),
             (A, "je vous propose notre formule habitation à 12 euros par mois"))
    assert upsell.detect(t).status == "not_applicable"


def test_upsell_not_expected_from_an_upset_or_refusing_customer():
    t = call((C, "C'est inadmissible, ma carte est encore bloquée !"),
             (A, "Je suis désolé, je la débloque."))
    d = upsell.detect(t, upsell.Params(required=True))
    assert d.status == "not_applicable" and d.evidence


# ---------------------------------------------------------------------------------------------
# short_sentences


def test_short_sentences_met_partial_not_met():
    short = call((A, "Bonjour. Je vous écoute."), (C, "..."),
                 (A, "Je regarde votre dossier. C'est fait. Autre chose ?"))
    d = short_sentences.detect(short)
    assert d.status == "met" and d.facts["mean_words"] <= 15
    assert_evidence(d)
    long_one = ("Alors ce que je vais faire pour vous c'est que je vais regarder dans le système "
                "si la commande que vous avez passée la semaine dernière a bien été enregistrée et "
                "ensuite je vous dirai ce qu'on peut faire pour la livraison.")
    t = call((A, "Bonjour."), (C, "..."), (A, long_one), (A, "Merci."), (A, long_one))
    d = short_sentences.detect(t)
    assert d.status == "not_met" and d.facts["long_sentences"] == 2
    assert d.evidence[0].label.startswith("sentence of 4")
    assert_evidence(d)
    t = call((A, "Je vérifie maintenant le statut de votre commande dans notre système de "
                 "suivi des livraisons."),
             (A, "Elle est partie hier soir de notre entrepôt de Lyon avec le transporteur "
                 "habituel de la région."),
             (A, "Vous devriez donc la recevoir chez vous au plus tard jeudi en fin de journée "
                 "ou vendredi matin."))
    d = short_sentences.detect(t)
    assert d.status == "partial" and 15 < d.facts["mean_words"] <= 20


def test_short_sentences_hard_negatives():
    # Unpunctuated text: turn boundaries cut sentences (one long run is not one sentence).
    turns = [(A, "hello this is the bank"), (A, "my name is john"), (A, "how can i help you"),
             (C, "i need my balance"), (A, "which account"), (A, "your balance is ten dollars")]
    assert short_sentences.detect(call(*turns, language="en")).status == "met"
    # Hesitations and transcriber tags are not words.
    t = call((A, "euh [noise] bonjour euh"), (A, "euh je regarde"), (A, "c'est bon <unk>"))
    assert short_sentences.detect(t).facts["mean_words"] == pytest.approx(5 / 3, abs=0.05)
    # Too little agent speech to judge.
    assert short_sentences.detect(call((A, "Bonjour."), (C, "..."))).status == "not_applicable"


def test_short_sentences_dutch():
    t = call((A, "Goedemiddag. U spreekt met Jan."), (C, "..."),
             (A, "Ik kijk het even na. Uw pakket is onderweg."), language="nl")
    assert short_sentences.detect(t).status == "met"


# ---------------------------------------------------------------------------------------------
# calm_customer


@pytest.mark.parametrize("lines, language", [
    ([(C, "C'est la troisième fois que j'appelle, c'est inadmissible !"),
      (A, "Je suis vraiment désolée, je comprends votre agacement. Je m'en occupe.")], "fr"),
    ([(C, "j'en ai marre personne ne me rappelle jamais"),
      (A, "je vous comprends tout à fait madame je passe votre dossier en priorité")], "fr"),
    ([(C, "This is ridiculous, I've been waiting for weeks!"),
      (A, "I'm so sorry about that, I understand how frustrating this is.")], "en"),
    ([(C, "Ik ben het beu, dit is al de derde keer dat ik bel!"),
      (A, "Dat begrijp ik, het spijt me heel erg. Ik zorg ervoor dat het vandaag geregeld wordt.")],
     "nl"),
])
def test_calm_customer_met(lines, language):
    d = calm_customer.detect(call(*lines, language=language))
    assert d.status == "met", d
    assert labels(d) == ["customer upset", "calming"]
    assert_evidence(d)


def test_calm_customer_not_met_and_partial():
    t = call((C, "C'est scandaleux, je suis furieux !"),
             (A, "Je comprends, mais ce n'est pas de notre faute."),
             (C, "..."), (A, "Quel est votre numéro de client ?"))
    d = calm_customer.detect(t)
    assert d.status == "not_met" and "agent reply (no calming)" in labels(d)
    assert_evidence(d)
    t = call((C, "I'm really fed up with this."), (A, "What's your account number?"),
             (C, "1234"), (A, "Let me look."), (C, "ok"),
             (A, "I'm sorry for the trouble, it's fixed now."), language="en")
    assert calm_customer.detect(t).status == "partial"


def test_calm_customer_hard_negatives():
    # A plain problem is not upset; "paying in three instalments" is no "third time".
    t = call((C, "Ma box ne marche plus depuis hier, je peux payer en plusieurs fois ?"),
             (A, "Oui, en trois fois."))
    assert calm_customer.detect(t).status == "not_applicable"
    # The agent's apology alone does not make the customer upset.
    t = call((A, "I'm sorry for the wait."), (C, "no problem i need my balance"), language="en")
    assert calm_customer.detect(t).status == "not_applicable"
