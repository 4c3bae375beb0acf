"""The transcript data model (Word, Turn, Gap, Transcript) and its file formats.

Everything after ASR and diarisation works on a `Transcript`; a transcript made elsewhere
(our JSON turns, SRT or WebVTT with speaker tags) enters here, so detectors can be judged
apart from ASR.  Exports: JSON, SRT, WebVTT, RTTM.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from pipeline.errors import TranscriptError

AGENT = "agent"
CUSTOMER = "customer"
ROLES = (AGENT, CUSTOMER)

# Speaker tags seen in exported transcripts, mapped to our two roles.  Any other tag is kept
# as a raw speaker label and left to `roles.assign_roles` to decide from the content.
_TAG_ROLES = {
    "agent": AGENT, "csr": AGENT, "operator": AGENT, "operateur": AGENT, "opérateur": AGENT,
    "conseiller": AGENT, "conseillère": AGENT, "advisor": AGENT, "rep": AGENT,
    "representative": AGENT, "medewerker": AGENT, "agente": AGENT,
    "customer": CUSTOMER, "client": CUSTOMER, "cliente": CUSTOMER, "caller": CUSTOMER,
    "appelant": CUSTOMER, "klant": CUSTOMER, "beller": CUSTOMER, "callee": CUSTOMER,
}


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True)
class Turn:
    """One stretch of speech by one speaker.  `speaker` is a role once roles are assigned."""

    speaker: str
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    channel: int | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Span:
    """A time interval in seconds of the recording."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Gap(Span):
    """An interval in which neither party speaks (measured from voice activity)."""


@dataclass(frozen=True)
class Overlap(Span):
    """Both parties speaking at once: `by` started while `over` was talking.

    Measured from voice activity on stereo recordings; `let_finish`-style checks read
    `Transcript.interruptions()`, the agent starting over the customer for long enough.
    """

    by: str = ""
    over: str = ""


@dataclass(frozen=True)
class Transcript:
    turns: tuple[Turn, ...]
    language: str = "fr"
    duration_s: float = 0.0
    # Silence gaps >= the minimum length; from the audio when there is audio, else from turn times.
    gaps: tuple[Gap, ...] = ()
    # Where `gaps` come from: "audio" (voice activity), "turn times" (a transcript file without
    # audio: a transcriber's segment times make silences less trustworthy) or "file" (given).
    gaps_from: str = "audio"
    # How the agent/customer roles were decided (e.g. "content: greets with organisation").
    role_basis: str = ""
    channels: int = 1
    # Stretches where both speak at once (stereo only: a mono mix cannot tell them apart).
    overlaps: tuple[Overlap, ...] = ()

    def interruptions(self, *, by: str = AGENT, over: str = CUSTOMER,
                      min_s: float = 1.0) -> tuple[Overlap, ...]:
        """Overlaps where `by` started over `over` and both spoke for at least `min_s`."""
        return tuple(o for o in self.overlaps
                     if o.by == by and o.over == over and o.duration >= min_s - 1e-6)

    def by(self, speaker: str) -> tuple[tuple[int, Turn], ...]:
        """(index, turn) pairs of one speaker, in time order."""
        return tuple((i, t) for i, t in enumerate(self.turns) if t.speaker == speaker)

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.speaker for t in self.turns))


def gaps_from_turns(turns: Iterable[Turn], *, min_gap_s: float = 2.0) -> tuple[Gap, ...]:
    """Gaps between turns when no audio is at hand: the union of turn spans, inverted."""
    spans = sorted((t.start, t.end) for t in turns)
    gaps: list[Gap] = []
    if not spans:
        return ()
    covered_until = spans[0][1]
    for start, end in spans[1:]:
        if start - covered_until >= min_gap_s:
            gaps.append(Gap(round(covered_until, 3), round(start, 3)))
        covered_until = max(covered_until, end)
    return tuple(gaps)


# ---------------------------------------------------------------------------------------------
# Import


def load_transcript(path: Path, *, min_gap_s: float = 2.0) -> Transcript:
    """Read a transcript file: our JSON turns, or SRT/WebVTT with speaker tags."""
    suffix = path.suffix.lower()
    # Bytes that are not UTF-8 in the name (an old recorder, a Windows share) are shown as
    # U+FFFD; messages never hold the path itself (reports must not leak the operator's paths).
    name = os.fsencode(path.name).decode("utf-8", "replace")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise TranscriptError(f"{name}: file not found (moved or deleted?); "
                              "check the path") from exc
    except PermissionError as exc:
        raise TranscriptError(f"{name}: permission denied; make the file readable") from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TranscriptError(f"{name}: cannot read transcript ({reason}); "
                              "check it is a readable file") from exc
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"{name}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                              f"offset {exc.start}); save it as UTF-8") from exc
    if suffix == ".json":
        return _from_json(text, name, min_gap_s)
    if suffix in (".srt", ".vtt"):
        turns = _from_cues(text, name)
        return Transcript(turns=turns, language=_guess_language(turns),
                          duration_s=max((t.end for t in turns), default=0.0),
                          gaps=gaps_from_turns(turns, min_gap_s=min_gap_s),
                          gaps_from="turn times")
    raise TranscriptError(f"{name}: unknown transcript format; use .json, .srt or .vtt")


def _from_json(text: str, name: str, min_gap_s: float) -> Transcript:
    try:
        data = json.loads(text)
        turns = tuple(
            Turn(speaker=_role_of(str(t["speaker"])), start=float(t["start"]),
                 end=float(t["end"]), text=str(t["text"]).strip(),
                 words=tuple(Word(str(w["text"]), float(w["start"]), float(w["end"]),
                                  float(w.get("probability", 1.0))) for w in t.get("words", ())),
                 channel=t.get("channel"))
            for t in data["turns"])
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg}); "
                              "fix the file or export it again") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise TranscriptError(f"{name}: expected {{\"turns\": [{{speaker, start, end, text}}]}} "
                              f"({type(exc).__name__}: {exc})") from exc
    turns = tuple(sorted(turns, key=lambda t: (t.start, t.end)))
    try:
        overlaps = tuple(Overlap(float(o["start"]), float(o["end"]), by=str(o["by"]),
                                 over=str(o["over"])) for o in data.get("overlaps", ()))
    except (KeyError, TypeError, ValueError) as exc:
        raise TranscriptError(f"{name}: expected overlaps as [{{start, end, by, over}}] "
                              f"({type(exc).__name__}: {exc})") from exc
    if "gaps" in data:
        gaps = tuple(Gap(float(g["start"]), float(g["end"])) for g in data["gaps"])
        gaps_from = str(data.get("gaps_from") or "file")
    else:
        gaps = gaps_from_turns(turns, min_gap_s=min_gap_s)
        gaps_from = "turn times"
    return Transcript(
        turns=turns,
        language=str(data.get("language") or _guess_language(turns)),
        duration_s=float(data.get("duration_s") or max((t.end for t in turns), default=0.0)),
        gaps=gaps,
        gaps_from=gaps_from,
        channels=int(data.get("channels", 1)),
        overlaps=overlaps,
    )


_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{3})"
_CUE_TIME = re.compile(_TIME + r"\s*-->\s*" + _TIME)
_TAG = re.compile(r"^\s*(?:\[(?P<br>[^\]]+)\]|<v\s+(?P<v>[^>]+)>|(?P<colon>[\w .'-]{1,30}):)\s*")


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _from_cues(text: str, name: str) -> tuple[Turn, ...]:
    """Parse SRT or WebVTT cues; the speaker comes from `[Tag]`, `<v Tag>` or `Tag:`."""
    turns: list[Turn] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [ln for ln in block.strip().split("\n") if ln.strip()]
        idx = next((i for i, ln in enumerate(lines) if _CUE_TIME.search(ln)), None)
        if idx is None:
            continue
        g = _CUE_TIME.search(lines[idx]).groups()
        start, end = _seconds(*g[:4]), _seconds(*g[4:])
        body = " ".join(lines[idx + 1:]).strip()
        match = _TAG.match(body)
        if not body:
            continue
        if match is None:
            raise TranscriptError(f"{name}: cue at {lines[idx].strip()} has no speaker tag; "
                                  "prefix each cue with [Agent]/[Customer] or <v Agent>")
        tag = match.group("br") or match.group("v") or match.group("colon")
        words = re.sub(r"</?v[^>]*>", "", body[match.end():]).strip()
        turns.append(Turn(speaker=_role_of(tag), start=start, end=end, text=words))
    if not turns:
        raise TranscriptError(f"{name}: no timed cues found; is it really SRT/WebVTT?")
    return tuple(sorted(turns, key=lambda t: (t.start, t.end)))


def _role_of(tag: str) -> str:
    return _TAG_ROLES.get(tag.strip().lower(), tag.strip())


def role_of_tag(tag: str) -> str:
    """The role a speaker tag names ("CSR" -> agent), or the tag itself if it names none."""
    return _role_of(tag)


def _guess_language(turns: Iterable[Turn]) -> str:
    """Cheap stop-word vote, only for transcripts that do not state their language."""
    words = re.findall(r"[a-zà-ÿ']+", " ".join(t.text for t in turns).lower())
    marks = {
        "fr": {"je", "vous", "est", "le", "la", "les", "et", "de", "pas", "oui", "bonjour"},
        "nl": {"ik", "u", "het", "de", "een", "en", "niet", "ja", "is", "van", "goedemiddag"},
        "en": {"i", "you", "the", "is", "and", "to", "a", "not", "yes", "my", "hello"},
    }
    votes = {lang: sum(w in vocab for w in words) for lang, vocab in marks.items()}
    return max(votes, key=votes.get) if any(votes.values()) else "fr"


# ---------------------------------------------------------------------------------------------
# Export


def to_json_dict(transcript: Transcript, *, with_words: bool = True) -> dict:
    turns = []
    for t in transcript.turns:
        row: dict = {"speaker": t.speaker, "start": round(t.start, 3), "end": round(t.end, 3),
                     "text": t.text}
        if t.channel is not None:
            row["channel"] = t.channel
        if with_words and t.words:
            row["words"] = [{"text": w.text, "start": round(w.start, 3), "end": round(w.end, 3),
                             "probability": round(w.probability, 3)} for w in t.words]
        turns.append(row)
    return {"language": transcript.language, "duration_s": round(transcript.duration_s, 3),
            "channels": transcript.channels, "turns": turns,
            "gaps": [{"start": g.start, "end": g.end} for g in transcript.gaps],
            "gaps_from": transcript.gaps_from,
            "overlaps": [{"start": o.start, "end": o.end, "by": o.by, "over": o.over}
                         for o in transcript.overlaps]}


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(transcript: Transcript) -> str:
    cues = [f"{i}\n{_stamp(t.start, ',')} --> {_stamp(t.end, ',')}\n[{t.speaker}] {t.text}\n"
            for i, t in enumerate(transcript.turns, 1)]
    return "\n".join(cues)


def to_vtt(transcript: Transcript) -> str:
    cues = [f"{_stamp(t.start, '.')} --> {_stamp(t.end, '.')}\n<v {t.speaker}>{t.text}\n"
            for t in transcript.turns]
    return "WEBVTT\n\n" + "\n".join(cues)


def to_rttm(transcript: Transcript, call_id: str) -> str:
    """NIST RTTM: one SPEAKER line per turn, the file id being the call id."""
    uri = re.sub(r"\s+", "_", call_id)
    return "".join(f"SPEAKER {uri} 1 {t.start:.3f} {t.duration:.3f} <NA> <NA> {t.speaker} "
                   f"<NA> <NA>\n" for t in transcript.turns)


def with_speakers(transcript: Transcript, mapping: dict[str, str], basis: str) -> Transcript:
    """The same transcript with speaker labels renamed (e.g. 'spk1' -> 'agent')."""
    turns = tuple(replace(t, speaker=mapping.get(t.speaker, t.speaker)) for t in transcript.turns)
    overlaps = tuple(replace(o, by=mapping.get(o.by, o.by), over=mapping.get(o.over, o.over))
                     for o in transcript.overlaps)
    return replace(transcript, turns=turns, role_basis=basis, overlaps=overlaps)


__all__ = ["AGENT", "CUSTOMER", "ROLES", "Word", "Turn", "Span", "Gap", "Overlap", "Transcript",
           "role_of_tag",
           "gaps_from_turns", "load_transcript", "to_json_dict", "to_srt", "to_vtt", "to_rttm",
           "with_speakers"]
