"""The detectors, registered by the name a rubric refers to.

Each is a pure function `detect(transcript, params) -> Detection` with a frozen `Params`
dataclass of thresholds and optional extra phrases (which extend the packaged lexicon).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

from pipeline.detectors import closing, greeting, identity_check, objections, reformulation, silence
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
})


def get_detector(name: str) -> DetectorSpec:
    """The detector registered as `name`; RubricError listing the valid names otherwise."""
    try:
        return DETECTORS[name]
    except KeyError:
        raise RubricError(f"unknown detector {name!r}; valid detectors: "
                          f"{', '.join(sorted(DETECTORS))}") from None


__all__ = ["DETECTORS", "DetectorSpec", "get_detector"]
