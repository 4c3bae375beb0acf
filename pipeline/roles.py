"""Agent or customer: deciding which diarised speaker is the operator being assessed.

The content decides first: the agent is the speaker who, taken as agent, best shows what only
an agent does — greets with the organisation, asks for the customer's identifying data,
closes the call.  The same detectors that score the call measure this, so a phrasing the
detectors understand also identifies the agent.  The confidence grows with the margin between
the agent and the customer.  A third speaker (a colleague after a transfer) with clear agent
content of their own is agent side.  When content does not separate the speakers, the channel
(`--agent-channel`) or, failing that, the first speaker is the agent, with a low confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.detectors import get_detector
from pipeline.detectors._common import agent_blocks, found
from pipeline.text import lexicon
from pipeline.transcript import AGENT, CUSTOMER, ROLES, Transcript, with_speakers

# What each agent-only behaviour is worth as a clue, part by part (the detectors' facts):
# naming the organisation or oneself is the strongest sign, asking for identifying data next.
# Parts that customers say too are worth little: "Hi Emily" (a salutation and a name, but
# the agent's name) and "thanks, have a good day" must not outweigh "welcome to X, my name
# is Emily" (measured on the Callytics calls, where part-blind scores tied 3.0 to 3.0).
_GREETING = {"salutation": 0.5, "identification": 1.5}
_NAME_ONLY = 0.5        # identification guessed from a capitalised name, not a phrase
_IDENTITY_MET = 1.5
_CLOSING = {"further_help": 1.0, "recap": 0.5, "thanks": 0.25, "farewell": 0.25}
# Saying what only the one who answers or places a business call says: "que puis-je pour
# vous ?", "je vous écoute", "je vous appelle au sujet de…" (measured on the dev set: calls
# whose agent never greets nor closes were decided by the first speaker, often the callee).
_OPENS_CALL = 1.0
_PROPOSES = 0.5         # "je peux vous proposer…": agents propose, customers ask
_ADDRESSES = 1.0        # at most, for talking of "vous/votre" rather than "je/mon"
_COLLEAGUE = 2.0        # a third speaker with this much agent content is agent side
_MIN_MARGIN = 1.0


@dataclass(frozen=True)
class RoleDecision:
    mapping: dict[str, str]
    basis: str
    confidence: float  # 0..1


def assign_roles(transcript: Transcript, *, agent_label: str | None = None) -> Transcript:
    """The transcript with speakers renamed agent/customer, and how that was decided."""
    decision = decide_roles(transcript, agent_label=agent_label)
    return with_speakers(transcript, decision.mapping, decision.basis)


def decide_roles(transcript: Transcript, *, agent_label: str | None = None) -> RoleDecision:
    labels = transcript.speakers
    if set(labels) <= set(ROLES):
        return RoleDecision({}, "given by the transcript's speaker tags", 1.0)
    if agent_label is not None:
        return RoleDecision(_mapping(labels, agent_label), f"{agent_label} forced as agent", 1.0)
    scores = {label: _agent_score(transcript, label) for label in labels}
    ranked = sorted(scores, key=scores.get, reverse=True)
    best = ranked[0]
    customer = _customer(transcript, [label for label in ranked[1:]
                                      if _channel(label) != _channel(best)], scores)
    # Measured against the customer, not the runner-up: after a transfer the colleague
    # greets and closes as the agent does, and that must not make the call undecidable.
    margin = scores[best] - (scores[customer] if customer else 0.0)
    if margin >= _MIN_MARGIN:
        floor = max(_COLLEAGUE, scores[customer] + _MIN_MARGIN) if customer else _COLLEAGUE
        colleagues = {label for label in ranked[1:] if label != customer
                      and scores[label] >= floor}
        mapping = _mapping(labels, best, colleagues)
        detail = ", ".join(f"{label} {scores[label]:.1f}" for label in ranked)
        confidence = min(1.0, margin / 3.0)
        return RoleDecision(mapping, f"content (agent clues: {detail})", round(confidence, 2))
    if customer is not None and scores[best] > scores[customer]:
        # A thin margin still leans one way; the first speaker is no better a guess (in an
        # outbound call the customer answers first).
        return RoleDecision(_mapping(labels, best),
                            f"content, thin margin (agent clues: {scores[best]:.1f} vs "
                            f"{scores[customer]:.1f})", 0.3)
    first = transcript.turns[0].speaker if transcript.turns else labels[0]
    return RoleDecision(_mapping(labels, first),
                        f"fallback: first speaker {first} (content did not separate speakers)",
                        0.2)


def _agent_score(transcript: Transcript, label: str) -> float:
    trial = with_speakers(transcript, {other: AGENT if other == label else CUSTOMER
                                       for other in transcript.speakers}, "trial")
    greeting = _detect("greeting", trial)
    score = sum(worth * bool(greeting.facts.get(part)) for part, worth in _GREETING.items())
    if greeting.facts.get("identification") and not any(
            e.label == "identification" for e in greeting.evidence):
        score -= _GREETING["identification"] - _NAME_ONLY
    if _detect("identity_check", trial).status == "met":
        score += _IDENTITY_MET
    closing = _detect("closing", trial)
    score += sum(worth * bool(closing.facts.get(part)) for part, worth in _CLOSING.items())
    said = agent_blocks(trial)
    lang = transcript.language
    if any(found(b, lang, "direction", key) for b in said for key in ("inbound", "outbound")) \
            or any(found(b, lang, "call_purpose", "statement") for b in said):
        score += _OPENS_CALL
    if any(found(b, lang, "objections", "proposal") for b in said):
        score += _PROPOSES
    return score + _ADDRESSES * _addressing(said, lang)


def _addressing(said, lang: str) -> float:
    """From -1 to 1: how much more a speaker says "vous/votre" than "je/mon" (agents speak
    of the customer's account, customers of their own)."""
    words = lexicon(lang).get("roles", {})
    second, first = set(words.get("second_person", ())), set(words.get("first_person", ()))
    toks = [t for b in said for t in b.tokens]
    you, me = sum(t in second for t in toks), sum(t in first for t in toks)
    return (you - me) / (you + me + 2)


def _detect(name: str, transcript: Transcript):
    spec = get_detector(name)
    return spec.detect(transcript, spec.params())


def _customer(transcript: Transcript, others: list[str], scores: dict[str, float]) -> str | None:
    """The least agent-like of the other speakers (on a tie, the one who speaks most).

    A call has one customer; any other speaker is a colleague the call was transferred to
    only with clear agent content of their own, so a customer whose voice the diarisation
    split in two stays customer.
    """
    if not others:
        return None
    speech = {label: sum(t.duration for t in transcript.turns if t.speaker == label)
              for label in others}
    return min(others, key=lambda label: (scores[label], -speech[label]))


def _mapping(labels, agent: str, colleagues: set[str] = frozenset()) -> dict[str, str]:
    # Voices that share the agent's channel ("ch0" and "ch0.1") are the agent's side of the line.
    side = _channel(agent)
    return {label: AGENT if label in colleagues or _channel(label) == side else CUSTOMER
            for label in labels}


def _channel(label: str) -> str:
    """The channel a stereo label ("ch0", "ch0.1") speaks on; any other label is its own."""
    return label.split(".", 1)[0] if _CHANNEL_LABEL.fullmatch(label) else label


_CHANNEL_LABEL = re.compile(r"ch\d+(\.\d+)?")
