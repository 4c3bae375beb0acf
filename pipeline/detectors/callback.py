"""callback — the agent arranges a call-back, or asks when an absent person can be reached.

"Établir une communication de rappel ou de relance" (OPCL 02.05); "demande quand les personnes
absentes peuvent être recontactées" (D140801 Id234).

An arrangement is an agent sentence about calling back ("je vous rappelle demain à 10 h",
"when would be a good time to call back?", "iemand belt u morgen terug"); "je vous rappelle
que …" (a reminder) and "rappelez-moi votre numéro" (a request) are not.  It fixes a moment
when it names one (a day, an hour, "demain") or asks for one ("quand", "what time").
A call-back is needed when the person sought is not there ("il n'est pas là") or the callee
asks to be called later ("rappelez-moi plus tard", "I'm driving"); on an outbound call, also
when the callee puts it off ("je n'ai pas le temps", "I need to think about it"): a relance is
due (02.05).  The direction comes from the rubric or, on `auto`, from the call.

Met: an arrangement with a moment.  Partial: a call-back promised without a moment.
Not met: a call-back was needed and none was arranged.  Not applicable: none needed or made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.detectors._common import (Block, Graded, blocks, found, graded, match_evidence,
                                        overlapping, search, sentences)
from pipeline.detectors._direction import call_direction
from pipeline.evidence import Detection, Evidence
from pipeline.text import Match
from pipeline.transcript import AGENT, CUSTOMER, Transcript


@dataclass(frozen=True)
class Params:
    direction: Literal["auto", "inbound", "outbound"] = "auto"
    extra_arrangements: tuple[str, ...] = ()
    extra_needs: tuple[str, ...] = ()


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Judge the call-backs arranged, or missing where one was needed."""
    lang = transcript.language
    outbound = (call_direction(transcript).value if params.direction == "auto"
                else params.direction) == "outbound"
    fixed: list[Evidence] = []
    vague: list[Evidence] = []
    needed: list[Evidence] = []
    for block in blocks(transcript):
        for unit in sentences(transcript, block):
            if block.speaker == AGENT:
                arranged = _arrangement(unit, lang, params)
                if arranged is not None:
                    match, moment = arranged
                    label = "call-back with a moment" if moment else "call-back (when?)"
                    (fixed if moment else vague).append(
                        match_evidence(transcript, unit, match, label))
            elif block.speaker == CUSTOMER:
                need = found(unit, lang, "callback", "needed", params.extra_needs)
                if need is None and outbound:
                    need = found(unit, lang, "objections", "timing")
                if need is not None:
                    needed.append(match_evidence(transcript, unit, need, "call-back needed"))

    facts = {"callbacks": len(fixed) + len(vague), "with_moment": len(fixed),
             "needed": len(needed)}
    return graded(transcript, _NOTES, full=fixed, half=vague, needed=needed, facts=facts)


_NOTES = Graded(met="the agent arranges a call-back with a moment",
                partial="a call-back is promised without saying when",
                not_met="a call-back was needed but the agent did not arrange one",
                not_applicable="no call-back needed or arranged",
                no_reply="agent reply (no call-back)")


def _arrangement(unit: Block, lang: str, params: Params) -> tuple[Match, bool] | None:
    """The call-back phrase of an agent sentence, and whether it fixes (or asks) a moment."""
    excluded = search(unit, lang, "callback", "not_callback")
    for match in search(unit, lang, "callback", "arrange", params.extra_arrangements):
        if overlapping(match, excluded):
            continue
        return match, found(unit, lang, "callback", "when") is not None
    return None
