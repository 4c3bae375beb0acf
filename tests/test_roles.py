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
