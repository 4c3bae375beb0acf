"""transfer — the agent hands the customer over to the right person or service.

"Renvoyer l'interlocuteur vers une autre personne ou un autre service, si nécessaire"
(OPCL 01.07); "redirige le client vers une autre personne ou un autre service"
(D140801 Id16426); "transmettre la réclamation aux instances compétentes" (0214 co 01672).

A hand-over is an announcement ("je vous transfère", "I'll put you through", "ik verbind u
door") or a redirection ("vous devez contacter le service …").  A good one says to whom: a
target (service, colleague, technician, team) in the same sentence or right after.
The need for one shows when the customer asks for someone else ("passez-moi un responsable")
or the agent says it is not theirs to handle ("ce n'est pas notre service").

Met: a hand-over naming its target.  Partial: a hand-over that does not say to whom.
Not met: a hand-over was needed and none came.  Not applicable: none needed, none made.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.detectors._common import (Block, Graded, blocks, found, graded, match_evidence,
                                        search, sentences)
from pipeline.evidence import Detection, Evidence
from pipeline.text import Match, find_any, phrases
from pipeline.transcript import AGENT, Transcript


@dataclass(frozen=True)
class Params:
    target_window: int = 8            # words after a hand-over phrase in which the target is named
    extra_announcements: tuple[str, ...] = ()
    extra_targets: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Judge the hand-overs of the call, or the lack of one where it was needed."""
    lang = transcript.language
    named: list[Evidence] = []
    bare: list[Evidence] = []
    needed: list[Evidence] = []
    for block in blocks(transcript):
        for unit in sentences(transcript, block):
            if block.speaker == AGENT:
                handover = _handover(unit, lang, params)
                if handover is not None:
                    match, target = handover
                    label = "hand-over with its target" if target else "hand-over (to whom?)"
                    (named if target else bare).append(
                        match_evidence(transcript, unit, match, label))
                    continue
            need = found(unit, lang, "transfer", "needed")
            if need is not None:
                who = "customer asks for someone else" if block.speaker != AGENT else \
                    "agent cannot handle it"
                needed.append(match_evidence(transcript, unit, need, who))

    facts = {"transfers": len(named) + len(bare), "with_target": len(named),
             "needed": len(needed)}
    return graded(transcript, _NOTES, full=named, half=bare, needed=needed, facts=facts)


_NOTES = Graded(met="the agent hands the customer over and says to whom",
                partial="the agent hands the customer over without saying to whom",
                not_met="a hand-over was needed but the agent did not redirect the customer",
                not_applicable="no hand-over needed or made",
                no_reply="agent reply (no hand-over)")


def _handover(unit: Block, lang: str, params: Params) -> tuple[Match, bool] | None:
    """The hand-over phrase of an agent sentence, and whether it names a target."""
    announce = search(unit, lang, "transfer", "announce", params.extra_announcements)
    ambiguous = search(unit, lang, "transfer", "handover")
    targets = find_any(unit.tokens, phrases(lang, "transfer", "target", params.extra_targets),
                       language=lang)
    if announce:
        return announce[0], bool(targets)
    for match in ambiguous:
        # "je vous passe un collègue", not "je vous passe les détails": only with a target
        # right after does it hand over.
        if any(match.end <= t.start <= match.end + params.target_window for t in targets):
            return match, True
    return None
