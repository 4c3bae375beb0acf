"""The batch overview: one row per scored call, pass rates per criterion, agents, dead air.

Built from report JSONs (the public contract), never from in-memory pipeline objects, so
`callqa summary DIR` on an old folder and the overview written at the end of `callqa score`
say exactly the same thing.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from types import MappingProxyType
from typing import Mapping

from pipeline.errors import CallQAError
from pipeline.evidence import STATUSES
from pipeline.report.wording import page_language

log = logging.getLogger(__name__)

# `agent-<name>_…` anywhere in the call id, e.g. "agent-marie_2024-05-02_0931".
AGENT_PATTERN = r"(?i)(?:^|[_.\s])agent-(?P<agent>[^_.\s]+)"
DEAD_AIR_SHOWN = 5


class SummaryError(CallQAError):
    """Reports cannot be summarised (none found, or bad metadata)."""


@dataclass(frozen=True)
class AgentSource:
    """Where a call's agent comes from: the metadata CSV first, else the file-name pattern."""

    pattern: str = AGENT_PATTERN
    by_call: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise SummaryError(f"agent pattern {self.pattern!r} is not a valid regular "
                               f"expression ({exc})") from exc

    def agent_of(self, call_id: str) -> str:
        if call_id in self.by_call:
            return self.by_call[call_id]
        match = re.search(self.pattern, call_id)
        if match is None:
            return ""
        # A user pattern may name its group `agent`, use one plain group, or none at all.
        name = match.groupdict().get("agent") or (match.group(1) if match.re.groups
                                                   else match.group(0))
        return (name or "").strip()


@dataclass(frozen=True)
class CallRow:
    call_id: str
    agent: str
    language: str
    duration_s: float
    score: float
    verdict: str
    statuses: Mapping[str, str]           # criterion id -> status
    longest_dead_air_s: float


@dataclass(frozen=True)
class CriterionRate:
    id: str
    title: str
    counts: Mapping[str, int]             # status -> number of calls

    @property
    def applicable(self) -> int:
        return sum(n for status, n in self.counts.items() if status != "not_applicable")

    @property
    def pass_rate(self) -> float | None:
        """Share of the calls where the criterion applies that met it (None: never applied)."""
        return self.counts.get("met", 0) / self.applicable if self.applicable else None


@dataclass(frozen=True)
class AgentAverage:
    agent: str
    calls: int
    mean_score: float
    ok_rate: float


@dataclass(frozen=True)
class BatchSummary:
    rows: tuple[CallRow, ...]
    criteria: tuple[CriterionRate, ...]
    agents: tuple[AgentAverage, ...]
    language: str                         # of the overview (and of the criterion titles)

    @property
    def mean_score(self) -> float:
        return mean(r.score for r in self.rows) if self.rows else 0.0

    @property
    def ok_rate(self) -> float:
        return sum(r.verdict == "OK" for r in self.rows) / len(self.rows) if self.rows else 0.0

    @property
    def total_s(self) -> float:
        return sum(r.duration_s for r in self.rows)

    @property
    def longest_dead_air(self) -> tuple[CallRow, ...]:
        with_dead_air = [r for r in self.rows if r.longest_dead_air_s > 0]
        ranked = sorted(with_dead_air, key=lambda r: (-r.longest_dead_air_s, r.call_id))
        return tuple(ranked[:DEAD_AIR_SHOWN])


def row_of(report: Mapping, *, agents: AgentSource) -> CallRow:
    """One call's row, from its report JSON (as loaded)."""
    dead_air = [float(s["duration_s"]) for s in report.get("silences", ())
                if s.get("kind") == "dead_air"]
    call_id = str(report["call_id"])
    return CallRow(
        call_id=call_id, agent=agents.agent_of(call_id), language=str(report["language"]),
        duration_s=float(report["duration_s"]), score=float(report["score"]),
        verdict=str(report["verdict"]),
        statuses=MappingProxyType({str(c["id"]): str(c["status"]) for c in report["criteria"]}),
        longest_dead_air_s=max(dead_air, default=0.0))


def titles_of(report: Mapping) -> dict[str, str]:
    return {str(c["id"]): str(c.get("title") or c["id"]) for c in report["criteria"]}


def load_reports(folder: Path) -> list[dict]:
    """Every report JSON directly in `folder` (other JSON files are left out)."""
    if not folder.is_dir():
        raise SummaryError(f"{folder}: not a folder; pass the --out folder of `callqa score`")
    reports = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.warning("%s skipped: not readable JSON (%s)", path.name, exc)
            continue
        if isinstance(data, dict) and "criteria" in data and "schema_version" in data:
            reports.append(data)
        else:
            log.debug("%s skipped: not a callqa report", path.name)
    if not reports:
        raise SummaryError(f"{folder}: no callqa report JSON here; "
                           "score calls into this folder first (callqa score INPUT --out DIR)")
    return reports


def read_metadata(path: Path) -> dict[str, str]:
    """call_id -> agent from a CSV with (at least) the columns call_id and agent."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = set(reader.fieldnames or ())
            if not {"call_id", "agent"} <= columns:
                raise SummaryError(f"{path.name}: needs the columns call_id and agent "
                                   f"(found: {', '.join(sorted(columns)) or 'none'})")
            agents: dict[str, str] = {}
            for row in reader:
                call_id, agent = (row["call_id"] or "").strip(), (row["agent"] or "").strip()
                if call_id:
                    agents[call_id] = agent
                    # A call id given as a file name still finds the report (id = stem).
                    agents.setdefault(Path(call_id).stem, agent)
            return agents
    except OSError as exc:
        raise SummaryError(f"{path}: cannot read the metadata CSV ({exc.strerror})") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SummaryError(f"{path.name}: not a UTF-8 CSV file ({exc})") from exc


def build_summary(reports: list[Mapping], *, agents: AgentSource = AgentSource(),
                  language: str | None = None) -> BatchSummary:
    """Rows, pass rates per criterion (in rubric order) and per-agent averages, in `language`
    (default: the calls' most common language)."""
    try:
        rows = tuple(sorted((row_of(r, agents=agents) for r in reports),
                            key=lambda r: r.call_id))
    except (KeyError, TypeError, ValueError) as exc:
        raise SummaryError(f"a report lacks a field of schema version 1 ({exc}); "
                           "score the call again") from exc
    counts = Counter(r.language for r in rows)
    language = page_language(language, counts.most_common(1)[0][0] if counts else "en")
    # Each report carries its criterion titles in its own language: prefer that of the page.
    titles: dict[str, str] = {}
    for report in sorted(reports, key=lambda r: r.get("language") != language):
        for cid, title in titles_of(report).items():
            titles.setdefault(cid, title)
    criteria = tuple(CriterionRate(cid, title, MappingProxyType(_status_counts(rows, cid)))
                     for cid, title in titles.items())
    return BatchSummary(rows, criteria, _agent_averages(rows), language)


def _status_counts(rows: tuple[CallRow, ...], criterion_id: str) -> dict[str, int]:
    counts = Counter(r.statuses[criterion_id] for r in rows if criterion_id in r.statuses)
    return {status: counts.get(status, 0) for status in STATUSES}


def _agent_averages(rows: tuple[CallRow, ...]) -> tuple[AgentAverage, ...]:
    by_agent: dict[str, list[CallRow]] = {}
    for row in rows:
        if row.agent:
            by_agent.setdefault(row.agent, []).append(row)
    return tuple(AgentAverage(agent, len(calls), mean(r.score for r in calls),
                              sum(r.verdict == "OK" for r in calls) / len(calls))
                 for agent, calls in sorted(by_agent.items(), key=lambda kv: kv[0].lower()))


def to_csv(summary: BatchSummary) -> str:
    """One row per call; one column per criterion holding its status."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    ids = [c.id for c in summary.criteria]
    writer.writerow(["call_id", "agent", "duration_s", "score", "verdict",
                     "longest_dead_air_s", *ids])
    for r in summary.rows:
        writer.writerow([_cell(r.call_id), _cell(r.agent), f"{r.duration_s:.2f}",
                         f"{r.score:.1f}", r.verdict, f"{r.longest_dead_air_s:.2f}",
                         *(r.statuses.get(i, "") for i in ids)])
    return buffer.getvalue()


def _cell(text: str) -> str:
    """Text from file names or a metadata CSV, made inert for spreadsheets: a cell starting
    with = + - @ (or a tab / carriage return) would be run as a formula when the coach opens
    the CSV (OWASP "CSV injection"); a leading apostrophe shows it as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
