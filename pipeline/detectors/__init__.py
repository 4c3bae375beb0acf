"""The detectors, registered by the name a rubric refers to.

Each is a pure function `detect(transcript, params) -> Detection` with a frozen `Params`
dataclass of thresholds and optional extra phrases (which extend the packaged lexicon).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

from pipeline.detectors import (call_purpose, callback, calm_customer, clarification, closing,
                                greeting, identity_check, let_finish, objections, reformulation,
                                short_sentences, silence, transfer, upsell)
from pipeline.errors import RubricError
from pipeline.evidence import Detection
from pipeline.transcript import Transcript


@dataclass(frozen=True)
class DetectorSpec:
    detect: Callable[[Transcript, Any], Detection]
    params: type


DETECTORS: Mapping[str, DetectorSpec] = MappingProxyType({
    "greeting": DetectorSpec(greeting.detect, greeting.Params),
    "identity_check": DetectorSpec(identity_check.detect, identity_check.Params),
    "reformulation": DetectorSpec(reformulation.detect, reformulation.Params),
    "objections": DetectorSpec(objections.detect, objections.Params),
    "closing": DetectorSpec(closing.detect, closing.Params),
    "silence": DetectorSpec(silence.detect, silence.Params),
    # Beyond the five (behaviours.md): each a criterion where its standard asks for it.
    "clarification": DetectorSpec(clarification.detect, clarification.Params),
    "let_finish": DetectorSpec(let_finish.detect, let_finish.Params),
    "call_purpose": DetectorSpec(call_purpose.detect, call_purpose.Params),
    "transfer": DetectorSpec(transfer.detect, transfer.Params),
    "callback": DetectorSpec(callback.detect, callback.Params),
    "upsell": DetectorSpec(upsell.detect, upsell.Params),
    "short_sentences": DetectorSpec(short_sentences.detect, short_sentences.Params),
    "calm_customer": DetectorSpec(calm_customer.detect, calm_customer.Params),
})


def get_detector(name: str) -> DetectorSpec:
    """The detector registered as `name`; RubricError listing the valid names otherwise."""
    try:
        return DETECTORS[name]
    except KeyError:
        raise RubricError(f"unknown detector {name!r}; valid detectors: "
                          f"{', '.join(sorted(DETECTORS))}") from None


__all__ = ["DETECTORS", "DetectorSpec", "get_detector"]
