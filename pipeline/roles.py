"""Agent or customer: deciding which diarised speaker is the operator being assessed.

The content decides first: the agent is the speaker who, taken as agent, best shows what only
an agent does — greets with the organisation, asks for the customer's identifying data,
closes the call.  The same detectors that score the call measure this, so a phrasing the
detectors understand also identifies the agent.  When content does not separate the speakers,
the channel (`--agent-channel`) or, failing that, the first speaker is the agent.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.detectors import get_detector
from pipeline.transcript import AGENT, CUSTOMER, ROLES, Transcript, with_speakers

# What each agent-only behaviour is worth as a clue; greeting with the organisation is the
# strongest sign, since customers rarely name the company in their first words.
_CLUES = {"greeting": {"met": 2.0, "partial": 1.0},
          "identity_check": {"met": 1.5},
          "closing": {"met": 1.0, "partial": 0.5}}
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
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    margin = scores[best] - runner_up
    if margin >= _MIN_MARGIN:
        # A transfer brings a colleague who also greets with the organisation: agent side too.
        colleagues = {label for label in ranked[1:] if scores[label] >= 2.0}
        mapping = _mapping(labels, best, colleagues)
        detail = ", ".join(f"{label} {scores[label]:.1f}" for label in ranked)
        confidence = min(1.0, margin / 3.0)
        return RoleDecision(mapping, f"content (agent clues: {detail})", round(confidence, 2))
    first = transcript.turns[0].speaker if transcript.turns else labels[0]
    return RoleDecision(_mapping(labels, first),
                        f"fallback: first speaker {first} (content did not separate speakers)",
                        0.3)


def _agent_score(transcript: Transcript, label: str) -> float:
    trial = with_speakers(transcript, _mapping(transcript.speakers, label), "trial")
    score = 0.0
    for name, worth in _CLUES.items():
        spec = get_detector(name)
        status = spec.detect(trial, spec.params()).status
        score += worth.get(status, 0.0)
    return score


def _mapping(labels, agent: str, colleagues: set[str] = frozenset()) -> dict[str, str]:
    return {label: AGENT if label == agent or label in colleagues else CUSTOMER for label in labels}
