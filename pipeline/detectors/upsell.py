"""upsell — the agent proposes an additional sale.

"Proposer une vente additionnelle" (OPCL 02.07), "formuler, le cas échéant, une proposition
commerciale" (OPCL 01.08), "présente les produits et services de l'entreprise (nouveaux
produits, vente supplémentaire…)" (D140801 Id234).

A commercial proposal is an agent sentence with a proposing cue ("je vous propose", "would you
be interested", "wist u dat") and something to buy (an offer, option, insurance, "par mois").
It is *additional* when it says so ("aussi", "en plus", "as well", "ook"), or, on an inbound
call, when it is about something else than what the customer asked for: the customer called
for one thing, the agent offers another.  On an outbound sales call the first pitch is the main
sale, so only an explicit "also" makes a proposal additional there.

Met: an additional proposal.  Without one: not met when the rubric `required` it (outbound
sales, 02.07), else not applicable ("le cas échéant").  Never expected from a customer who
refused or is upset: not applicable then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.detectors._common import (Block, agent_blocks, block_evidence, blocks, dedupe,
                                        found, match_evidence, sentences)
from pipeline.detectors._direction import call_direction
from pipeline.detectors.objections import CATEGORIES
from pipeline.evidence import Detection, Evidence
from pipeline.text import Match, content_keys, find_any, phrases
from pipeline.transcript import AGENT, CUSTOMER, Transcript


@dataclass(frozen=True)
class Params:
    required: bool = False            # no additional proposal: not_met (else not_applicable)
    direction: Literal["auto", "inbound", "outbound"] = "auto"
    extra_proposals: tuple[str, ...] = ()
    extra_products: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Find the agent's additional commercial proposals."""
    lang = transcript.language
    all_blocks = blocks(transcript)
    outbound = (call_direction(transcript).value if params.direction == "auto"
                else params.direction) == "outbound"
    request = next((b for b in all_blocks if b.speaker == CUSTOMER
                    and len(content_keys(b.text, lang)) >= 2), None)
    asked = content_keys(request.text, lang) if request is not None else frozenset()
    evidence: list[Evidence] = []
    for block in all_blocks:
        if block.speaker != AGENT:
            continue
        for unit in sentences(transcript, block):
            proposal = _proposal(unit, lang, params)
            if proposal is None:
                continue
            cue, products = proposal
            # "je vous propose aussi une nouvelle carte" to a customer who lost theirs offers
            # what was asked for, "aussi" or not.
            offered = content_keys(" ".join(" ".join(unit.tokens[m.start:m.end])
                                            for m in products), lang)
            said_also = found(unit, lang, "upsell", "additional") is not None and \
                not offered <= asked
            beyond = not outbound and request is not None and block.start >= request.end and \
                not (content_keys(unit.text, lang) & asked)
            if said_also or beyond:
                label = "additional offer" if said_also else "offer beyond the request"
                evidence.append(match_evidence(transcript, unit, cue, label))

    facts = {"additional_offers": len(evidence)}
    if evidence:
        return Detection("met", dedupe(evidence), facts, "the agent proposes an additional sale")
    refusal = _refusal(transcript, all_blocks, lang)
    if refusal is not None:
        return Detection("not_applicable", (refusal,), facts,
                         "the customer refused or complained: no additional sale expected")
    if not params.required:
        return Detection("not_applicable", (), facts,
                         "no additional offer, and none is required on this call")
    examined = [block_evidence(transcript, b, "agent's last turns (no additional offer)")
                for b in agent_blocks(transcript)[-2:]]
    return Detection("not_met", dedupe(examined), facts,
                     "the agent proposes no additional sale")


def _proposal(unit: Block, lang: str, params: Params) -> tuple[Match, tuple[Match, ...]] | None:
    """The proposing cue of a sentence that offers something to buy, and what it offers."""
    cue = found(unit, lang, "upsell", "proposal", params.extra_proposals)
    if cue is None:
        return None
    products = find_any(unit.tokens, phrases(lang, "upsell", "product", params.extra_products),
                        language=lang)
    return (cue, products) if products else None


def _refusal(transcript: Transcript, all_blocks, lang: str) -> Evidence | None:
    for block in all_blocks:
        if block.speaker != CUSTOMER:
            continue
        hit = found(block, lang, "calm_customer", "upset")
        if hit is not None:
            return match_evidence(transcript, block, hit, "customer upset")
        for category in CATEGORIES:
            hit = found(block, lang, "objections", category)
            if hit is not None:
                return match_evidence(transcript, block, hit, "customer objects or complains")
    return None
