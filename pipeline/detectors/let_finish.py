"""let_finish — the agent lets the customer finish (does not interrupt).

"Laisse le client parler jusqu'au bout" (D140801 Id16426; 0214 co 01671).  An interruption
is agent speech that starts while the customer is speaking and runs over them for at least
`min_overlap_s`.  A short listening signal ("oui", "mm", "right") said over the customer is
not one.  Overlap is only measurable when each party has their own channel: on a mono
recording both voices share one signal and the turn times come from diarisation, so the
criterion is not applicable there.

The overlaps measured on the audio (`Transcript.overlaps`, from voice activity per channel)
are used when the transcript has them; otherwise (a transcript file) they are computed from
word times, or turn times when there are no words (a turn's span also covers its pauses).
Met: at most `max_interruptions`; partial: at most `partial_interruptions`; not met: more.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.detectors._common import is_only, join, whole_call
from pipeline.evidence import Detection, Evidence
from pipeline.transcript import AGENT, CUSTOMER, Span, Transcript, Turn


@dataclass(frozen=True)
class Params:
    min_overlap_s: float = 1.0
    max_interruptions: int = 0        # met up to this many
    partial_interruptions: int = 1    # partial up to this many
    word_gap_s: float = 0.3           # word times closer than this are one stretch of speech
    ignore_backchannels: bool = True
    extra_backchannels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Interruption:
    agent_index: int
    customer_index: int
    start: float
    overlap_s: float


def detect(transcript: Transcript, params: Params = Params()) -> Detection:
    """Count the agent's interruptions of the customer (stereo recordings only)."""
    if transcript.channels != 2:
        return Detection("not_applicable", (), {"interruptions": 0},
                         "not a two-channel recording: overlaps cannot be measured")
    found, signals = interruptions(transcript, params)
    evidence: list[Evidence] = []
    for cut in found:
        turn = transcript.turns[cut.agent_index]
        evidence.append(Evidence(start=cut.start, end=turn.end, speaker=AGENT, text=turn.text,
                                 label=f"interruption ({cut.overlap_s:.1f} s over the customer)",
                                 turn_index=cut.agent_index))
        evidence.append(Evidence.of_turn(transcript, cut.customer_index, "customer was speaking"))
    facts = {"interruptions": len(found), "backchannels": len(signals)}
    count = len(found)
    if count <= params.max_interruptions:
        shown = [Evidence.of_turn(transcript, i, "listening signal (not an interruption)")
                 for i in signals[:3]]
        evidence.extend(shown or [whole_call(
            transcript, f"no agent speech over the customer for {params.min_overlap_s:g} s "
                        "or more")])
        return Detection("met", tuple(evidence), facts,
                         "the agent lets the customer finish" if not count else
                         f"{count} interruption(s), within the allowed {params.max_interruptions}")
    status = "partial" if count <= params.partial_interruptions else "not_met"
    return Detection(status, tuple(evidence), facts, f"{count} interruption(s)")


def interruptions(transcript: Transcript, params: Params = Params()
                  ) -> tuple[tuple[Interruption, ...], tuple[int, ...]]:
    """The interruptions, and the agent turns that were only listening signals over the
    customer."""
    if transcript.overlaps:
        candidates = _measured(transcript, params)
    else:
        candidates = _from_times(transcript, params)
    found: list[Interruption] = []
    signals: list[int] = []
    for cut in candidates:
        if params.ignore_backchannels and is_only(
                join(transcript, [cut.agent_index]), transcript.language, "let_finish",
                "backchannel", params.extra_backchannels):
            signals.append(cut.agent_index)
        else:
            found.append(cut)
    return tuple(found), tuple(dict.fromkeys(signals))


def _measured(transcript: Transcript, params: Params) -> list[Interruption]:
    """Interruptions from the overlaps measured on the audio, tied to the turns said then."""
    found = []
    for overlap in transcript.interruptions(by=AGENT, over=CUSTOMER,
                                            min_s=params.min_overlap_s):
        agent = _turn_at(transcript, AGENT, overlap.start)
        customer = _turn_at(transcript, CUSTOMER, overlap.start)
        # Voice activity without recognised words (a cough, a keyboard) is no speech to quote.
        if agent is not None and customer is not None:
            found.append(Interruption(agent, customer, round(overlap.start, 3),
                                      round(overlap.duration, 2)))
    return found


def _turn_at(transcript: Transcript, speaker: str, at: float, slack: float = 0.5) -> int | None:
    """The turn of `speaker` under time `at` (word times run a little off voice activity)."""
    near = [(abs(t.start - at), i) for i, t in enumerate(transcript.turns)
            if t.speaker == speaker and t.start - slack <= at <= t.end + slack]
    return min(near)[1] if near else None


def _from_times(transcript: Transcript, params: Params) -> list[Interruption]:
    """Interruptions from word (or turn) times: the agent starting mid-stretch of customer
    speech and talking over it for long enough."""
    customer = [(i, _speech(t, params)) for i, t in enumerate(transcript.turns)
                if t.speaker == CUSTOMER]
    found = []
    for a, turn in enumerate(transcript.turns):
        if turn.speaker != AGENT:
            continue
        agent = _speech(turn, params)
        start = agent[0].start
        for c, spans in customer:
            if not any(s.start < start < s.end - 0.05 for s in spans):
                continue
            overlap = sum(max(0.0, min(x.end, y.end) - max(x.start, y.start, start))
                          for x in agent for y in spans)
            if overlap >= params.min_overlap_s:
                found.append(Interruption(a, c, round(start, 3), round(overlap, 2)))
                break
    return found


def _speech(turn: Turn, params: Params) -> tuple[Span, ...]:
    """Stretches of actual speech in a turn: its words merged across short gaps."""
    if not turn.words:
        return (Span(turn.start, turn.end),)
    spans: list[Span] = []
    for word in sorted(turn.words, key=lambda w: w.start):
        if spans and word.start - spans[-1].end <= params.word_gap_s:
            spans[-1] = Span(spans[-1].start, max(spans[-1].end, word.end))
        else:
            spans.append(Span(word.start, word.end))
    return tuple(spans)
