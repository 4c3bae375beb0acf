"""One exception hierarchy; every message says what the user can do about it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """An input that could not be scored, and why (the error's one-line message)."""

    source: str
    reason: str


class CallQAError(Exception):
    """Base class of every error callqa raises on purpose."""


class AudioError(CallQAError):
    """The audio cannot be decoded or holds no usable signal."""


class ModelError(CallQAError):
    """A model cannot be resolved, verified or loaded."""


class RubricError(CallQAError):
    """A rubric file is missing, malformed or refers to unknown detectors."""


class TranscriptError(CallQAError):
    """A transcript file cannot be parsed."""
