"""Detectors on hand-built transcripts: for each, positives and hard negatives in French, plus
Dutch and English; lowercase unpunctuated ASR-style text and a few misspellings included."""

from __future__ import annotations

import pytest

from pipeline.detectors import DETECTORS, get_detector
from pipeline.detectors import closing, greeting, identity_check, objections, reformulation, silence
from conftest import call
from pipeline.errors import RubricError
from pipeline.transcript import AGENT, CUSTOMER, Gap, Transcript, Turn, gaps_from_turns


def timed(*lines: tuple[str, float, float, str], language: str = "fr", gaps=None) -> Transcript:
    turns = tuple(Turn(AGENT if w == "A" else CUSTOMER, s, e, x) for w, s, e, x in lines)
    return Transcript(turns=turns, language=language, duration_s=turns[-1].end,
                      gaps=gaps_from_turns(turns) if gaps is None else tuple(gaps))


def labels(detection) -> list[str]:
    return [e.label for e in detection.evidence]


def assert_evidence(detection) -> None:
    """Every verdict (but not_applicable) is backed by quotes with timestamps."""
    if detection.status != "not_applicable":
        assert detection.evidence, detection
    for ev in detection.evidence:
        assert ev.end >= ev.start and ev.text and ev.label


# ---------------------------------------------------------------------------------------------
# registry


def test_registry_lists_the_detectors_and_rejects_unknown_names():
    assert set(DETECTORS) == {"greeting", "identity_check", "reformulation", "objections",
                              "closing", "silence", "clarification", "let_finish",
                              "call_purpose", "transfer", "callback", "upsell",
                              "short_sentences", "calm_customer"}
    assert get_detector("closing").params is closing.Params
    with pytest.raises(RubricError, match="valid detectors: call_purpose, callback, .*greeting"):
        get_detector("greting")


# ---------------------------------------------------------------------------------------------
# greeting

@pytest.mark.parametrize("opening, language", [
    ("Bonjour, vous êtes bien chez Lumiéra Énergie, Sophie à l'appareil.", "fr"),
    ("bon jour service clientèle de la banque durand je m appelle julie", "fr"),
    ("bonsoir ici marc de chez proximus que puis-je pour vous", "fr"),
    ("Goedemiddag, u spreekt met Jan van de klantendienst van Telenet.", "nl"),
    ("goeiemiddag met sarah wat kan ik voor u doen", "nl"),
    ("Hi, you're through to Acme Energy, Tom speaking.", "en"),
    ("good morning my name is priya how may i help", "en"),
    ("Hello and welcome to Northwind Insurance.", "en"),
])
def test_greeting_met_with_salutation_and_identification(opening, language):
    d = greeting.detect(call(("A", opening), ("C", "oui"), language=language), greeting.Params())
    assert d.status == "met", d
    assert {"salutation", "identification"} <= set(labels(d))
    assert_evidence(d)


def test_greeting_split_over_short_turns_with_customer_in_between():
    t = call(("A", "bonjour"), ("C", "bonjour"), ("A", "ici marc"), ("A", "de chez orange"))
    d = greeting.detect(t, greeting.Params())
    assert d.status == "met"
    ident = next(e for e in d.evidence if e.label == "identification")
    assert ident.start == t.turns[2].start          # the quote points at the agent's turns


@pytest.mark.parametrize("opening, language", [
    ("Bonjour, que puis-je faire pour vous ?", "fr"),
    ("Thank you for calling, how can I help you?", "en"),
    ("Goedemorgen, waarmee kan ik u helpen?", "nl"),
])
def test_greeting_partial_without_identification(opening, language):
    d = greeting.detect(call(("A", opening), language=language), greeting.Params())
    assert d.status == "partial"
    assert "salutation" in labels(d) and "agent opening (no identification)" in labels(d)


def test_greeting_partial_identification_without_salutation():
    d = greeting.detect(call(("A", "service client de la CAF, j'écoute")), greeting.Params())
    assert d.status == "partial"
    assert "identification" in labels(d)


def test_greeting_not_met_when_only_the_customer_greets():
    t = call(("C", "Bonjour, je vous appelle pour ma facture"), ("A", "Oui ? Quel est le souci ?"))
    d = greeting.detect(t, greeting.Params())
    assert d.status == "not_met"
    assert "customer salutation" in labels(d)
    assert_evidence(d)


def test_greeting_outside_the_opening_window_does_not_count():
    t = timed(("A", 0.0, 2.0, "oui j'écoute"), ("C", 2.5, 25.0, "alors voilà mon problème ..."),
              ("A", 26.0, 28.0, "bonjour je m'appelle julie de la société durand"))
    assert greeting.detect(t, greeting.Params()).status == "not_met"
    assert greeting.detect(t, greeting.Params(opening_s=30)).status == "met"


def test_greeting_capitalised_name_after_the_salutation_identifies():
    d = greeting.detect(call(("A", "Bonjour, Énergie Plus, j'écoute.")), greeting.Params())
    assert d.status == "met" and "identification (name)" in labels(d)
    # addressing the customer by name is not introducing oneself
    t = call(("A", "Bonjour Madame Dupont, que puis-je faire pour vous ?"))
    assert greeting.detect(t, greeting.Params()).status == "partial"
    t = call(("A", "Goedemiddag, Telenet, waarmee kan ik helpen?"), language="nl")
    assert greeting.detect(t, greeting.Params()).status == "met"
    t = call(("A", "Hello, how can I help you?"), language="en")
    assert greeting.detect(t, greeting.Params()).status == "partial"


def test_greeting_extra_phrases_extend_the_lexicon():
    t = call(("A", "bonjour kiosque mobilité léa"))
    assert greeting.detect(t, greeting.Params()).status == "partial"
    params = greeting.Params(extra_identifications=("kiosque mobilite",))
    assert greeting.detect(t, params).status == "met"


# ---------------------------------------------------------------------------------------------
# identity_check

@pytest.mark.parametrize("lines, language", [
    ((("A", "Pouvez-vous me donner votre numéro de client ?"), ("C", "Oui, c'est le 45 12 33.")),
     "fr"),
    ((("A", "est ce que vous pouvez me rappeler votre date de naissance"),
      ("C", "le douze mars quatre-vingt")), "fr"),
    ((("A", "à quel nom est le contrat"), ("C", "dupont avec un t")), "fr"),
    ((("A", "Mag ik uw klantennummer, alstublieft?"), ("C", "Ja, dat is 8812 33.")), "nl"),
    ((("A", "can i get your account number please"), ("C", "sure it's one two three four")),
     "en"),
    ((("A", "and what is your zip code"), ("C", "nine four one zero five")), "en"),
])
def test_identity_check_met_when_agent_asks_for_a_datum(lines, language):
    d = identity_check.detect(call(*lines, language=language), identity_check.Params())
    assert d.status == "met", d
    assert "identity request" in labels(d) and "customer answer" in labels(d)
    assert_evidence(d)


def test_identity_check_met_when_agent_confirms_volunteered_data():
    t = call(("A", "Bonjour, service client, j'écoute."),
             ("C", "mon numéro client c'est quatre cinq deux un huit"),
             ("A", "quatre cinq deux un huit très bien"))
    d = identity_check.detect(t, identity_check.Params())
    assert d.status == "met" and d.facts["confirmations"] == 1
    assert labels(d) == ["customer data", "identity confirmation"]


@pytest.mark.parametrize("lines, language", [
    ((("A", "Bonjour, je m'appelle Julie, quel est votre problème ?"),
      ("C", "ma box ne marche plus"), ("A", "Qu'est-ce que je peux faire pour vous ?"),
      ("A", "je vous envoie le nouveau modem à votre adresse"), ("C", "d'accord merci")), "fr"),
    ((("A", "hello my name is robert how can i help you today"), ("C", "i lost my card"),
      ("A", "which card would you like to replace"), ("C", "my credit card"),
      ("A", "your balance is a hundred and ten dollars")), "en"),
])
def test_identity_check_not_met_for_problem_questions(lines, language):
    d = identity_check.detect(call(*lines, language=language), identity_check.Params())
    assert d.status == "not_met", d
    assert_evidence(d)


def test_identity_check_amounts_read_back_are_not_identity():
    t = call(("C", "the amount is one hundred twenty two dollars"),
             ("A", "one hundred and twenty two dollars okay"), language="en")
    assert identity_check.detect(t, identity_check.Params()).status == "not_met"


# ---------------------------------------------------------------------------------------------
# reformulation

@pytest.mark.parametrize("customer, agent, language", [
    ("Je voudrais résilier mon abonnement internet parce que je déménage.",
     "Si je comprends bien, vous souhaitez résilier votre abonnement suite à votre déménagement.",
     "fr"),
    ("ma facture d'électricité du mois de mars est beaucoup trop élevée",
     "votre facture d'électricité de mars vous paraît anormalement élevée", "fr"),
    ("ma carte bancaire a été avalée par le distributeur ce matin",
     "si jai bien compris le distributeur a gardé votre carte ce matin", "fr"),
    ("Ik wil mijn contract opzeggen want ik verhuis naar het buitenland.",
     "Als ik het goed begrijp, wilt u uw contract stopzetten omdat u verhuist.", "nl"),
    ("I was charged twice for the same order last week",
     "so what you're saying is you were billed twice for one order", "en"),
    ("my internet keeps dropping every evening since monday",
     "so your internet connection drops every evening", "en"),
])
def test_reformulation_met(customer, agent, language):
    t = call(("A", "bonjour"), ("C", customer), ("A", agent), language=language)
    d = reformulation.detect(t, reformulation.Params())
    assert d.status == "met", d
    assert d.facts["count"] == 1
    assert any(e.label.startswith("reformulation") and e.speaker == AGENT for e in d.evidence)
    assert_evidence(d)


@pytest.mark.parametrize("lines", [
    # bare backchannels
    (("C", "Ma facture d'électricité est trop élevée ce mois-ci."), ("A", "D'accord, je vois."),
     ("A", "oui")),
    # echo of one or two words
    (("C", "Ma facture d'électricité est trop élevée ce mois-ci."), ("A", "Votre facture ?")),
    # the customer reformulates the agent, not the reverse
    (("A", "Il faut redémarrer votre box internet."),
     ("C", "donc si je comprends bien je dois redémarrer ma box internet"), ("A", "oui c'est ça")),
    # a clarifying question reusing the customer's words is not a restatement
    (("C", "je voudrais consulter le solde de mon compte épargne"),
     ("A", "quel compte épargne voulez-vous consulter")),
])
def test_reformulation_hard_negatives(lines):
    d = reformulation.detect(call(*lines), reformulation.Params())
    assert d.status == "not_met", d
    assert_evidence(d)


def test_reformulation_answer_with_result_is_not_a_restatement():
    t = call(("C", "i need to check my savings account balance"),
             ("A", "your savings account balance is one hundred and six dollars"), language="en")
    assert reformulation.detect(t, reformulation.Params()).status == "not_met"


def test_reformulation_counts_every_instance():
    t = call(("C", "je n'ai plus de connexion internet depuis hier soir"),
             ("A", "si je comprends bien vous n'avez plus internet depuis hier soir"),
             ("C", "oui et en plus la télévision ne fonctionne pas non plus"),
             ("A", "donc votre télévision ne fonctionne pas non plus"))
    d = reformulation.detect(t, reformulation.Params())
    assert d.status == "met" and d.facts["count"] == 2
    assert labels(d).count("customer said") == 2


def test_reformulation_not_applicable_without_customer_request():
    d = reformulation.detect(call(("A", "bonjour"), ("C", "oui")), reformulation.Params())
    assert d.status == "not_applicable"


# ---------------------------------------------------------------------------------------------
# objections

def test_objections_met_each_answered_at_most_three_rebuttals():
    t = call(("A", "Je vous propose notre offre fibre à 25 euros par mois."),
             ("C", "C'est trop cher pour moi."),
             ("A", "Je comprends, mais justement vous économisez dix euros par mois."),
             ("C", "j'ai déjà un fournisseur"),
             ("A", "l'avantage c'est que c'est sans engagement"),
             ("C", "Je vais réfléchir."),
             ("A", "Très bien, je n'insiste pas, je vous envoie la documentation. Bonne journée."))
    d = objections.detect(t, objections.Params())
    assert d.status == "met", d
    assert d.facts["objections"] == 3 and d.facts["rebuttals"] == 2
    assert isinstance(d.facts["objections"], int) and isinstance(d.facts["rebuttals"], int)
    assert {"objection:price", "objection:already_served", "objection:timing"} <= set(labels(d))
    assert_evidence(d)


def test_objections_not_met_when_agent_keeps_pushing_after_the_third():
    rebut = ("A", "je comprends mais l'avantage c'est que c'est gratuit le premier mois")
    t = call(("A", "nous avons une offre spéciale sur l'assurance habitation"),
             ("C", "ça ne m'intéresse pas"), rebut, ("C", "c'est trop cher"), rebut,
             ("C", "j'ai déjà une assurance"), rebut, ("C", "je n'ai pas le temps"), rebut)
    d = objections.detect(t, objections.Params())
    assert d.status == "not_met"
    assert d.facts == {"objections": 4, "rebuttals": 4, "unanswered": 0, "complaints": 0}
    assert "rebuttal (beyond the limit)" in labels(d)


def test_objections_not_met_when_an_objection_is_unanswered():
    t = call(("A", "je vous appelle pour vous proposer un rendez-vous avec un conseiller"),
             ("C", "non ça ne m'intéresse pas"), ("A", "ok"))
    d = objections.detect(t, objections.Params())
    assert d.status == "not_met" and d.facts["unanswered"] == 1
    assert "objection:no_need (unanswered)" in labels(d)


def test_complaint_is_not_an_objection():
    t = call(("A", "Bonjour, service client, j'écoute."),
             ("C", "ma facture est beaucoup trop chère c'est inadmissible, j'ai déjà appelé trois fois"),
             ("A", "je suis désolé, je regarde votre dossier"))
    d = objections.detect(t, objections.Params())
    assert d.status == "not_applicable"
    assert d.facts["objections"] == 0 and d.facts["complaints"] == 1


def test_no_thanks_to_anything_else_is_not_an_objection():
    t = call(("A", "I've ordered your replacement card. Is there anything else I can help with?"),
             ("C", "no thank you"), ("A", "thank you for calling, have a great day"),
             language="en")
    assert objections.detect(t, objections.Params()).status == "not_applicable"


def test_objections_dutch_and_english():
    nl = call(("A", "Wij hebben een aanbod voor zonnepanelen."), ("C", "geen interesse"),
              ("A", "ik begrijp het maar u bespaart tot dertig procent op uw factuur"),
              language="nl")
    d = objections.detect(nl, objections.Params())
    assert (d.status, d.facts["objections"], d.facts["rebuttals"]) == ("met", 1, 1)
    en = call(("A", "I'm calling to offer you our new broadband deal."),
              ("C", "I'm not interested."),
              ("A", "I understand, but it's free for the first three months."),
              ("C", "I already have a provider."),
              ("A", "No problem, I respect that. Have a nice day."), language="en")
    d = objections.detect(en, objections.Params())
    assert (d.status, d.facts["objections"], d.facts["rebuttals"]) == ("met", 2, 1)
    assert "answer (accepts the refusal)" in labels(d)


# ---------------------------------------------------------------------------------------------
# closing

@pytest.mark.parametrize("lines, language", [
    ((("A", "Je vous confirme que le technicien passera jeudi. Puis-je faire autre chose pour vous ?"),
      ("C", "non merci"), ("A", "Merci de votre appel, bonne journée.")), "fr"),
    ((("A", "voila c est noté"), ("A", "bonne journé madame au revoire")), "fr"),
    ((("A", "Kan ik nog iets voor u doen?"), ("C", "nee dank u"),
      ("A", "Bedankt voor uw oproep en nog een fijne dag.")), "nl"),
    ((("A", "is there anything else i can help you with"), ("C", "no thats it"),
      ("A", "thank you for calling have a great day")), "en"),
])
def test_closing_met(lines, language):
    d = closing.detect(call(("C", "..."), *lines, language=language), closing.Params())
    assert d.status == "met", d
    assert d.facts["parts"] >= 2
    assert_evidence(d)


def test_closing_partial_with_one_part():
    t = call(("A", "voilà, le dossier est transmis"), ("C", "ok"), ("A", "bon ben au revoir"))
    d = closing.detect(t, closing.Params())
    assert d.status == "partial" and d.facts["farewell"] == 1
    assert "farewell" in labels(d)


def test_closing_not_met_when_only_the_customer_says_goodbye():
    t = call(("A", "je regarde votre dossier"), ("A", "le problème vient de la box"),
             ("C", "bon ben tant pis, merci, au revoir"))
    d = closing.detect(t, closing.Params())
    assert d.status == "not_met"
    assert "customer farewell" in labels(d) and "agent's last words (no closing)" in labels(d)


def test_closing_ignores_closing_words_early_in_the_call():
    t = timed(("A", 0, 3, "bonjour merci de votre appel"), ("C", 4, 60, "alors j'ai un souci"),
              ("A", 61, 64, "je regarde"), ("C", 65, 120, "et en plus ..."),
              ("A", 121, 123, "le dossier est en cours"))
    assert closing.detect(t, closing.Params()).status == "not_met"


# ---------------------------------------------------------------------------------------------
# silence

def test_announced_hold_within_limit_is_met_with_announcement_quote():
    t = timed(("A", 0, 4, "je vous mets en attente un instant"), ("A", 34, 37, "merci d'avoir patienté"),
              gaps=[Gap(4.0, 34.0)])
    s = silence.classify_gaps(t, silence.Params())
    assert [x.kind for x in s] == ["hold"] and s[0].announcement.label == "hold announcement"
    d = silence.detect(t, silence.Params())
    assert d.status == "met"
    assert labels(d) == ["hold announcement", "hold"] and d.evidence[1].speaker == ""
    assert d.evidence[1].text == "30.0 s of silence"


@pytest.mark.parametrize("announcement, language", [
    ("ik zet u even in de wacht", "nl"), ("please hold while I check", "en"),
    ("bear with me one moment", "en"), ("un instant s il vous plait ne quittez pas", "fr"),
])
def test_hold_announcements_in_each_language(announcement, language):
    t = timed(("A", 0, 3, announcement), ("A", 20, 22, "ok"), gaps=[Gap(3, 20)], language=language)
    assert silence.classify_gaps(t, silence.Params())[0].kind == "hold"


def test_hold_over_the_limit_is_not_met():
    t = timed(("A", 0, 3, "please hold"), ("A", 95, 97, "thanks for holding"),
              gaps=[Gap(3, 95)], language="en")
    d = silence.detect(t, silence.Params())
    assert d.status == "not_met" and "hold over the limit" in labels(d)


@pytest.mark.parametrize("gap, status, label", [
    (6.0, "not_met", "dead air over the limit"), (5.0, "not_met", "dead air over the limit"),
    (4.0, "partial", "dead air"), (2.5, "met", "short gap"),
])
def test_dead_air_thresholds(gap, status, label):
    t = timed(("A", 0, 3, "quel est votre souci"), ("C", 3 + gap, 8 + gap, "ma box"))
    d = silence.detect(t, silence.Params())
    assert d.status == status and labels(d) == [label]
    assert d.evidence[0].start == 3 and d.evidence[0].end == 3 + gap


def test_no_gap_is_met_with_the_checked_span_as_evidence():
    t = call(("A", "bonjour"), ("C", "bonjour"))
    d = silence.detect(t, silence.Params())
    assert d.status == "met" and d.note and labels(d) == ["whole call checked"]
    assert (d.evidence[0].start, d.evidence[0].speaker) == (0.0, "")
    assert d.evidence[0].end >= t.turns[-1].end


def test_hold_announcement_before_the_agent_came_back_does_not_cover_a_later_gap():
    t = timed(("A", 0, 2, "un instant je vérifie"), ("A", 20, 23, "voilà j'ai trouvé votre dossier"),
              ("C", 23.5, 25, "ah bon"), ("C", 32, 33, "allô ?"),
              gaps=[Gap(2, 20), Gap(25, 32)])
    kinds = [s.kind for s in silence.classify_gaps(t, silence.Params())]
    assert kinds == ["hold", "dead_air"]
    assert silence.detect(t, silence.Params()).status == "not_met"


def test_silence_thresholds_come_from_params():
    t = timed(("A", 0, 3, "quel est votre souci"), ("C", 9, 12, "ma box"))
    assert silence.detect(t, silence.Params(dead_air_max_s=8)).status == "partial"


# ---------------------------------------------------------------------------------------------
# Varied phrasings across sectors (openings, checks, restatements, pitches, endings)

A, C = "A", "C"
VARIED = [
    ("greeting", "met", "fr", [(A, "Allô, bonjour, Maxime, service après-vente, je vous écoute.")]),
    ("greeting", "met", "fr", [(A, "Orange bonjour, Sandrine à votre écoute")]),
    ("greeting", "met", "fr", [(A, "Caisse d'Épargne, bonjour.")]),
    ("greeting", "met", "fr", [(A, "bonjour mutuelle santé plus claire à l'appareil")]),
    ("greeting", "met", "fr", [(A, "Bonjour, je suis Kevin, votre conseiller Free.")]),
    ("greeting", "partial", "fr", [(A, "Allô bonjour ?")]),
    ("greeting", "met", "nl", [(A, "Proximus, goedemiddag, u spreekt met Els.")]),
    ("greeting", "met", "nl", [(A, "goedemorgen welkom bij de klantendienst van de gemeente")]),
    ("greeting", "met", "en", [(A, "Thanks for calling Contoso, this is Ravi.")]),
    ("greeting", "met", "en", [(A, "hi there you've reached the billing team how can i help")]),
    ("greeting", "partial", "en", [(A, "Hello?"), (C, "Hi, this is John Smith from Acme.")]),
    ("identity_check", "met", "fr",
     [(A, "Je vais d'abord vérifier votre identité : pouvez-vous me rappeler votre code postal ?")]),
    ("identity_check", "met", "fr",
     [(A, "Vous pouvez m'épeler votre nom de famille ?"), (C, "D U P O N T")]),
    ("identity_check", "met", "fr", [(A, "C'est à quel nom ?"), (C, "Martin")]),
    ("identity_check", "met", "fr",
     [(A, "pour des raisons de sécurité pouvez-vous me confirmer les quatre derniers chiffres "
          "de votre carte"), (C, "quatre deux un neuf")]),
    ("identity_check", "met", "en",
     [(A, "Could you confirm the first line of your address and your postcode?")]),
    ("identity_check", "met", "en", [(A, "can you verify your date of birth for me")]),
    ("identity_check", "met", "en",
     [(A, "What's the best number to reach you on?"), (C, "oh seven seven one two")]),
    ("identity_check", "met", "nl", [(A, "Mag ik even uw geboortedatum?")]),
    ("identity_check", "met", "nl",
     [(A, "wat is uw postcode en huisnummer"), (C, "negen duizend gent nummer twaalf")]),
    ("identity_check", "not_met", "fr",
     [(A, "Qu'est-ce qui vous amène ?"), (C, "ma box"),
      (A, "Je vous envoie un SMS de confirmation sur votre portable."), (C, "d'accord")]),
    ("identity_check", "not_met", "en",
     [(A, "What seems to be the problem?"), (C, "my router"),
      (A, "I will email you the instructions to your email address on file"), (C, "ok thanks")]),
    ("reformulation", "met", "fr",
     [(C, "mon colis devait arriver lundi et je n'ai toujours rien"),
      (A, "Vous me dites que votre colis n'est jamais arrivé, c'est bien ça ?")]),
    ("reformulation", "met", "fr",
     [(C, "depuis la mise à jour de windows mon ordinateur ne démarre plus"),
      (A, "D'accord, donc depuis la mise à jour, votre ordinateur ne démarre plus.")]),
    ("reformulation", "met", "fr",
     [(C, "ça fait un mois que j'attends d'être remboursé"),
      (A, "Je comprends, vous n'avez toujours pas reçu votre remboursement.")]),
    ("reformulation", "met", "en",
     [(C, "my bill is twenty pounds higher than usual"),
      (A, "Okay, so your bill went up by twenty pounds this month.")]),
    ("reformulation", "met", "nl",
     [(C, "mijn factuur is veel te hoog deze maand"), (A, "U zegt dus dat de factuur te hoog is.")]),
    ("reformulation", "not_met", "fr",
     [(C, "ma connexion coupe tout le temps"), (A, "Hum hum."), (A, "Je vois."),
      (A, "Quel est votre numéro de ligne ?")]),
    ("reformulation", "not_met", "en",
     [(C, "my emails stopped arriving since the update"),
      (A, "I'll reset your email settings so you should start getting emails again.")]),
    ("objections", "met", "fr",
     [(A, "Je vous appelle pour vous présenter notre nouvelle mutuelle."),
      (C, "Non merci, j'ai déjà une mutuelle."),
      (A, "Je comprends. Justement, nous proposons les mêmes garanties pour moins cher."),
      (C, "Je n'ai pas le temps là."), (A, "Très bien, je n'insiste pas. Bonne journée.")]),
    ("objections", "not_applicable", "fr",
     [(A, "Bonjour, que puis-je faire pour vous ?"),
      (C, "Je n'ai pas le temps d'attendre des heures au téléphone, mon internet ne marche plus !"),
      (A, "Je suis désolé, je regarde tout de suite.")]),
    ("objections", "not_met", "en",
     [(A, "We have a special offer on home insurance this month."), (C, "It's too expensive."),
      (A, "Okay.")]),
    ("objections", "met", "nl",
     [(A, "Ik bel u om u ons nieuwe energiecontract voor te stellen."),
      (C, "Ik heb al een leverancier."),
      (A, "Dat begrijp ik, maar u bespaart tot tweehonderd euro per jaar."),
      (C, "Nee, ik ben tevreden zo."), (A, "Prima, dan wens ik u nog een fijne dag.")]),
    ("closing", "met", "fr",
     [(C, "..."), (A, "Parfait, c'est noté. Je vous souhaite une excellente journée, au revoir.")]),
    ("closing", "met", "fr",
     [(C, "..."), (A, "Avez-vous d'autres questions ?"), (C, "non"),
      (A, "Alors bonne soirée madame.")]),
    ("closing", "partial", "en", [(C, "..."), (A, "Okay, that's everything sorted. Bye.")]),
    ("closing", "not_met", "en",
     [(C, "..."), (A, "Let me just check that."), (C, "Hello? Are you there? Goodbye.")]),
    ("closing", "met", "nl",
     [(C, "..."), (A, "Is er verder nog iets? Nee? Dan nog een prettige dag, dag!")]),
]


@pytest.mark.parametrize("name, expected, language, lines", VARIED,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{i}" for i, c in enumerate(VARIED)])
def test_varied_phrasings(name, expected, language, lines):
    spec = get_detector(name)
    d = spec.detect(call(*lines, language=language), spec.params())
    assert d.status == expected, [(e.label, e.text) for e in d.evidence]
    assert_evidence(d)


def test_closing_a_question_is_not_a_recap():
    # "Donc, vous voulez … ?" checks understanding; only the farewell closes here: partial.
    t = call(("C", "Je voudrais qu'un expert vienne voir les dégâts."),
             ("A", "Donc, vous voulez qu'un expert vienne chez vous rapidement ?"),
             ("C", "Oui."),
             ("A", "Très bien. Au revoir."))
    d = closing.detect(t)
    assert d.status == "partial" and d.facts["recap"] == 0
    assert_evidence(d)


# ---------------------------------------------------------------------------------------------
# Weak spots found on ASR output and on real calls


@pytest.mark.parametrize("customer, agent, language", [
    # ASR ran the restatement into the next question, one "sentence" ending with "?"
    ("je pars au canada le mois prochain et je voudrais pouvoir payer plus avec ma carte",
     "vous avez besoin d'un plafond plus élevé pendant ce voyage qu'elles sont votre nom ?", "fr"),
    ("my internet keeps dropping every evening since monday",
     "so your internet connection drops every evening what is your account number", "en"),
    ("Mijn pakket zou gisteren komen maar het is er nog steeds niet.",
     "Uw pakket is dus nog niet bezorgd, wat is uw postcode?", "nl"),
])
def test_reformulation_run_into_a_question_still_counts(customer, agent, language):
    t = call(("A", "bonjour"), ("C", customer), ("A", agent), language=language)
    d = reformulation.detect(t, reformulation.Params())
    assert d.status == "met", d


def test_reformulation_question_part_alone_does_not_restate():
    # The question part reuses the customer's words but asks something new.
    t = call(("C", "je voudrais résilier mon abonnement internet"),
             ("A", "d'accord quel abonnement internet voulez-vous résilier ?"))
    assert reformulation.detect(t, reformulation.Params()).status == "not_met"


@pytest.mark.parametrize("lines, language", [
    ([("C", "je voudrais relever le plafond de ma carte pour mon voyage"),
      ("A", "votre plafond passe à trois mille euros jusqu'au 30 juin"), ("C", "merci"),
      ("A", "Votre plafond est donc relevé jusqu'au 30 juin. Au revoir.")], "fr"),
    ([("C", "my line keeps cutting out"), ("A", "I've booked an engineer for Thursday morning."),
      ("C", "great"), ("A", "So an engineer comes on Thursday. Goodbye.")], "en"),
    ([("C", "mijn pakket is niet geleverd"), ("A", "uw pakket wordt morgen opnieuw geleverd"),
      ("C", "goed"), ("A", "Uw pakket wordt dus morgen geleverd. Tot ziens.")], "nl"),
])
def test_closing_recap_is_a_connective_sentence_repeating_what_was_agreed(lines, language):
    d = closing.detect(call(*lines, language=language))
    assert d.status == "met" and d.facts["recap"] == 1, [(e.label, e.text) for e in d.evidence]


@pytest.mark.parametrize("lines, language", [
    # "donc" that repeats nothing, and a bare "merci" for a datum before the end
    ([("C", "mon numéro client c'est le 4512"), ("A", "Merci."), ("C", "d'accord"),
      ("A", "Je regarde votre dossier."), ("C", "oui"), ("A", "Donc voilà. Au revoir.")], "fr"),
    ([("C", "it's 4512"), ("A", "Thanks."), ("C", "okay"), ("A", "Let me check."), ("C", "sure"),
      ("A", "So yeah. Bye.")], "en"),
])
def test_closing_hard_negatives_broad_donc_and_early_thanks(lines, language):
    d = closing.detect(call(*lines, language=language))
    assert d.status == "partial" and d.facts["recap"] == 0 and d.facts["thanks"] == 0, \
        [(e.label, e.text) for e in d.evidence]


def test_identity_check_third_party_data_are_not_the_customers():
    # Paying a bill: the payee's address and zip code identify the company, not the caller.
    t = call(("A", "hello how can i help you"), ("C", "i would like to pay a bill"),
             ("A", "what is the company address"),
             ("C", "five five two main street harper valley four one nine one two"),
             ("A", "can you repeat the zip code did you say four one nine one two"),
             ("C", "yes"), ("A", "and what is the bill amount"), language="en")
    assert identity_check.detect(t, identity_check.Params()).status == "not_met"
    # ... while the caller's own address is.
    t = call(("A", "hello how can i help you"), ("C", "i need a new checkbook"),
             ("A", "what is your address"), ("C", "four two one first street"),
             ("A", "can you repeat that zip code"), language="en")
    assert identity_check.detect(t, identity_check.Params()).status == "met"


@pytest.mark.parametrize("lines, language", [
    ([("A", "Bonjour, service technique."), ("C", "ma box ne marche plus"),
      ("A", "je vous conseille de redémarrer votre box"),
      ("C", "j'ai déjà essayé, ça ne marche toujours pas"),
      ("A", "d'accord, je vous envoie un technicien demain")], "fr"),
    ([("A", "hi, tech support"), ("C", "my router keeps dropping"),
      ("A", "i suggest you unplug it for ten seconds"), ("C", "i already tried that twice"),
      ("A", "okay let me book an engineer")], "en"),
])
def test_a_troubleshooting_suggestion_resisted_is_not_a_sales_objection(lines, language):
    d = objections.detect(call(*lines, language=language), objections.Params())
    assert d.status == "not_applicable" and d.facts["objections"] == 0


def test_proposing_verb_with_a_product_is_an_offer():
    t = call(("A", "je vous propose notre formule fibre à 30 euros par mois"),
             ("C", "j'ai déjà un contrat ailleurs"),
             ("A", "je comprends, mais nous remboursons vos frais de résiliation"))
    d = objections.detect(t, objections.Params())
    assert (d.status, d.facts["objections"], d.facts["rebuttals"]) == ("met", 1, 1)


@pytest.mark.parametrize("customer, agent, language, expected", [
    # a short account mirrored back to the customer is a restatement ...
    ("mon colis n'est jamais arrivé", "votre colis n'est pas arrivé", "fr", "met"),
    ("mijn factuur is te hoog", "uw factuur is te hoog zegt u", "nl", "met"),
    ("I moved house last month and I still get letters at my old address",
     "Right, so since your move the post is still going to your old address.", "en", "met"),
    # ... an answer reusing the words with the opposite polarity is not, nor is an echo
    ("mon colis n'est pas arrivé", "votre colis arrive demain", "fr", "not_met"),
    ("my card was declined", "your card works now", "en", "not_met"),
    ("ma facture est trop élevée", "votre facture ?", "fr", "not_met"),
])
def test_reformulation_mirror_of_a_short_account(customer, agent, language, expected):
    d = reformulation.detect(call(("C", customer), ("A", agent), language=language))
    assert d.status == expected, [(e.label, e.text) for e in d.evidence]
