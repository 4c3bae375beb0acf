"""Roles from content: who greets with the organisation and asks for the customer's data."""

from pipeline.roles import assign_roles, decide_roles
from pipeline.transcript import Transcript, Turn


def _call(first: str, second: str) -> Transcript:
    lines = [
        (second, "Allô ?"),
        (first, "Bonjour madame, Sophie de la société Luminus, je vous appelle au sujet de "
                "votre contrat."),
        (second, "Oui, bonjour."),
        (first, "Pouvez-vous me confirmer votre date de naissance ?"),
        (second, "Le 3 mars 1980."),
        (first, "Merci beaucoup, bonne journée, au revoir."),
    ]
    return Transcript(turns=tuple(Turn(who, i * 3.0, i * 3.0 + 2.5, text)
                                  for i, (who, text) in enumerate(lines)), language="fr")


def test_content_finds_the_agent_even_when_the_customer_speaks_first():
    # Outbound call: the customer picks up with "Allô ?" — first speaker is not the agent.
    t = assign_roles(_call("spk1", "spk0"))
    assert [turn.speaker for turn in t.turns] == ["customer", "agent"] * 3
    assert t.role_basis.startswith("content")


def test_forced_agent_channel_wins():
    decision = decide_roles(_call("ch1", "ch0"), agent_label="ch0")
    assert decision.mapping == {"ch0": "agent", "ch1": "customer"}
    assert "forced" in decision.basis


def test_fallback_to_first_speaker_when_content_is_silent():
    t = Transcript(turns=(Turn("A", 0, 1, "Oui."), Turn("B", 1.5, 2.5, "D'accord.")),
                   language="fr")
    decision = decide_roles(t)
    assert decision.mapping == {"A": "agent", "B": "customer"}
    assert decision.basis.startswith("fallback") and decision.confidence < 0.5


def test_transcript_with_roles_is_kept():
    t = Transcript(turns=(Turn("customer", 0, 1, "Bonjour"), Turn("agent", 1, 2, "Bonjour")))
    assert decide_roles(t).mapping == {}


def _turns(lines, language="en"):
    return Transcript(turns=tuple(Turn(who, i * 3.0, i * 3.0 + 2.5, text)
                                  for i, (who, text) in enumerate(lines)), language=language)


def test_a_two_party_call_always_has_a_customer():
    # Measured on Callytics Call02: the customer's "Hello Emily" and "thank you" made both
    # speakers score as agents and both were labelled agent.
    t = _turns([
        ("spk1", "Hi there! You've reached Callytics Support, and this is Emily speaking."),
        ("spk0", "Hello, Emily. I recently upgraded to your premium subscription."),
        ("spk1", "Could you share your account email or username so I can check?"),
        ("spk0", "Sure, my email is bunyamin at gmail dot com."),
        ("spk1", "You're welcome. Is there anything else I can help you with?"),
        ("spk0", "That's all. Thanks again! Have a good day, goodbye."),
    ])
    decision = decide_roles(t)
    assert decision.mapping == {"spk1": "agent", "spk0": "customer"}
    assert decision.confidence >= 0.5


def test_a_customer_naming_the_agent_does_not_tie_with_the_agent():
    t = _turns([
        ("spk1", "Hello and welcome to Callytics! My name is Emily. How may I assist you?"),
        ("spk0", "Hi Emily. I've been having trouble receiving notification emails."),
        ("spk1", "You're welcome. Thanks for contacting Callytics. Let me know if there's "
                 "anything else I can do for you today."),
        ("spk0", "Nope, that's everything. Have a good day, Emily."),
    ])
    decision = decide_roles(t)
    assert decision.mapping == {"spk1": "agent", "spk0": "customer"}
    assert decision.basis.startswith("content")


def test_colleague_after_a_transfer_is_agent_side():
    t = _call("spk0", "spk1")
    lines = [(turn.speaker, turn.text) for turn in t.turns[:4]] + [
        ("spk0", "Je vous transfère à un collègue du service technique, ne quittez pas."),
        ("spk2", "Bonjour madame, Marc du service technique, je reprends votre dossier."),
        ("spk1", "Oui, bonjour."),
        ("spk2", "Avez-vous d'autres questions ? Bonne journée, au revoir."),
    ]
    decision = decide_roles(_turns(lines, "fr"))
    assert decision.mapping == {"spk0": "agent", "spk1": "customer", "spk2": "agent"}


def test_second_voice_on_the_agent_channel_is_agent_side():
    t = _turns([("ch0", "Good morning, Harbour Bank, Tom speaking."), ("ch1", "Hello."),
                ("ch0.1", "Hello, this is Rachel from the returns team.")])
    assert decide_roles(t, agent_label="ch0").mapping == {"ch0": "agent", "ch1": "customer",
                                                          "ch0.1": "agent"}


def test_labels_with_a_dot_are_not_channels():
    t = _turns([("Mr. Smith", "Good morning, Harbour Bank, Tom speaking. How can I help?"),
                ("Mr. Jones", "Hello, I lost my card."),
                ("Mr. Smith", "Could you give me your date of birth, please?"),
                ("Mr. Jones", "The third of July."),
                ("Mr. Smith", "Anything else I can help with? Goodbye.")])
    assert decide_roles(t).mapping == {"Mr. Smith": "agent", "Mr. Jones": "customer"}


def _lines(*lines: tuple[str, str], language: str = "fr") -> Transcript:
    return Transcript(turns=tuple(Turn(who, i * 3.0, i * 3.0 + 2.5, text)
                                  for i, (who, text) in enumerate(lines)), language=language)


def test_an_agent_who_neither_greets_nor_closes_is_found_by_what_they_say():
    # The agent picks up with a bare "Oui ?" and never greets; the caller checks whom they
    # reached and speaks of "ma commande": the caller must not be taken for the agent.
    t = _lines(("A", "Oui ?"),
               ("B", "Bonjour monsieur, c'est bien le service après-vente de Meubles Lenoir ? "
                     "Ma commande n'est jamais arrivée."),
               ("A", "Vous avez votre numéro de commande ?"),
               ("B", "Oui, c'est le 88 14 20."),
               ("A", "Votre colis est bloqué au dépôt, vous le recevrez jeudi."),
               ("B", "Ah, merci, au revoir."))
    decision = decide_roles(t)
    assert decision.mapping == {"A": "agent", "B": "customer"}, decision.basis


def test_saying_why_one_calls_marks_the_agent_of_an_outbound_call():
    t = _lines(("A", "Hello?"),
               ("B", "Hi, I'm calling about the boiler service you booked last spring."),
               ("A", "Oh yes, I remember."),
               ("B", "We can offer you the annual check at a lower rate this year."),
               ("A", "Hmm, I'd rather wait until autumn."), language="en")
    assert decide_roles(t).mapping == {"A": "customer", "B": "agent"}


def test_a_thin_margin_still_follows_the_content_not_the_first_speaker():
    t = _lines(("A", "Ja?"), ("B", "Dag meneer, met Lies, ik bel u over uw afspraak van morgen."),
               ("A", "Ah ja."), ("B", "Kan die om tien uur doorgaan voor u?"), ("A", "Ja hoor."),
               language="nl")
    decision = decide_roles(t)
    assert decision.mapping == {"A": "customer", "B": "agent"}, decision.basis
