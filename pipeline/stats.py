"""Pass rates per criterion, per agent and per ISO week, queried from the results store.

A criterion's pass rate is met / (met + partial + not_met): calls where it did not apply are
left out, as in the batch overview (summary.CriterionRate, which these queries reuse).

Where the grouping keys come from: the batch runner passes each call's agent and date to
`ResultsStore.add`.  The agent comes from the metadata CSV, else the file-name pattern
(summary.AgentSource); the call date is the recording's file modification date
(store.recording_date) unless a metadata CSV gives one.  Calls without an agent or a date are
grouped under "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from pipeline.evidence import STATUSES
from pipeline.report.summary import CriterionRate
from pipeline.store import STORE_NAME, ResultsStore, StoreError, rebuild_from_reports

UNKNOWN = "unknown"
BY = ("criterion", "agent", "week")
# SQL for each grouping key (fixed strings, never user input); iso_week is registered by the
# store on every connection, since SQLite before 3.46 has no ISO week.
_GROUP_KEY = {"agent": f"COALESCE(NULLIF(c.agent, ''), '{UNKNOWN}')",
              "week": f"COALESCE(iso_week(c.call_date), '{UNKNOWN}')"}
_APPLIES = "cr.status IN ('met', 'partial', 'not_met')"


@dataclass(frozen=True)
class GroupStats:
    """The calls of one agent or one week (or all of them)."""

    group: str
    calls: int
    mean_score: float
    ok_rate: float
    pass_rates: Mapping[str, float | None]    # criterion id -> pass rate (None: never applied)


@dataclass(frozen=True)
class Stats:
    """One answer of `callqa stats`: the totals and one row per criterion, agent or week."""

    by: str
    total: GroupStats
    criteria: tuple[CriterionRate, ...]       # every criterion, in rubric order
    groups: tuple[GroupStats, ...]            # empty when by == "criterion"


def ensure_store(folder: Path, *, rebuild: bool = False) -> int | None:
    """Make sure `folder` has a store with calls: build it from the report JSONs when asked,
    missing or empty.  Returns the number of calls built, None when the store was used as is."""
    folder = Path(folder)
    if not folder.is_dir():
        raise StoreError(f"{folder}: not a folder; pass the --out folder of `callqa score`")
    if not rebuild and (folder / STORE_NAME).is_file():
        with ResultsStore(folder) as store:
            if store.call_count():
                return None
    return rebuild_from_reports(folder)


def stats(store: ResultsStore, *, by: str = "criterion") -> Stats:
    """Pass rates by criterion, agent or week."""
    if by not in BY:
        raise StoreError(f"cannot group by {by!r}; choose from {', '.join(BY)}")
    groups = group_stats(store, by=by) if by != "criterion" else ()
    return Stats(by, total_stats(store), criterion_rates(store), groups)


def criterion_rates(store: ResultsStore) -> tuple[CriterionRate, ...]:
    """Calls per status for each criterion, in rubric order (then by id)."""
    rows = store.connection.execute(
        "SELECT cr.criterion_id AS id, cr.status, COUNT(*) AS n, MIN(cr.position) AS pos "
        "FROM criteria cr GROUP BY cr.criterion_id, cr.status").fetchall()
    titles = _titles(store)
    counts: dict[str, dict[str, int]] = {}
    order: dict[str, int] = {}
    for r in rows:
        counts.setdefault(r["id"], dict.fromkeys(STATUSES, 0))[r["status"]] = r["n"]
        order[r["id"]] = min(order.get(r["id"], r["pos"]), r["pos"])
    return tuple(CriterionRate(cid, titles.get(cid, cid), MappingProxyType(counts[cid]))
                 for cid in sorted(counts, key=lambda c: (order[c], c)))


def total_stats(store: ResultsStore) -> GroupStats:
    """Every call of the store as one group."""
    return _groups(store, "'all'")[0] if store.call_count() else GroupStats(
        "all", 0, 0.0, 0.0, MappingProxyType({}))


def group_stats(store: ResultsStore, *, by: str) -> tuple[GroupStats, ...]:
    """One row per agent (by name) or per ISO week (in time order); "unknown" comes last."""
    if by not in _GROUP_KEY:
        raise StoreError(f"cannot group by {by!r}; choose from {', '.join(_GROUP_KEY)}")
    groups = _groups(store, _GROUP_KEY[by])
    return tuple(sorted(groups, key=lambda g: (g.group == UNKNOWN, g.group.lower())))


def _groups(store: ResultsStore, key: str) -> list[GroupStats]:
    conn = store.connection
    calls = conn.execute(
        f"SELECT {key} AS g, COUNT(*) AS n, AVG(c.score) AS mean_score, "
        f"AVG(c.verdict = 'OK') AS ok_rate FROM calls c GROUP BY g").fetchall()
    rates: dict[str, dict[str, float | None]] = {}
    for r in conn.execute(
            f"SELECT {key} AS g, cr.criterion_id AS id, SUM(cr.status = 'met') AS met, "
            f"SUM({_APPLIES}) AS applicable FROM criteria cr JOIN calls c USING (call_id) "
            "GROUP BY g, cr.criterion_id ORDER BY g, MIN(cr.position), cr.criterion_id"):
        rates.setdefault(r["g"], {})[r["id"]] = (r["met"] / r["applicable"] if r["applicable"]
                                                 else None)
    return [GroupStats(r["g"], r["n"], r["mean_score"], r["ok_rate"],
                       MappingProxyType(rates.get(r["g"], {}))) for r in calls]


def _titles(store: ResultsStore) -> dict[str, str]:
    """Each criterion's title as the most recently scored call gives it."""
    titles: dict[str, str] = {}
    for r in store.connection.execute(
            "SELECT cr.criterion_id, cr.title FROM criteria cr JOIN calls c USING (call_id) "
            "WHERE cr.title IS NOT NULL AND cr.title != '' ORDER BY c.scored_at DESC"):
        titles.setdefault(r[0], r[1])
    return titles


# ---------------------------------------------------------------------------------------------
# Edges: JSON and table rows for the CLI


def to_json(result: Stats) -> dict:
    """The answer as plain JSON (rates as fractions 0..1, null when never applicable)."""
    data: dict = {"by": result.by, "total": _group_json(result.total, key=None)}
    if result.by == "criterion":
        data["criteria"] = [{"id": c.id, "title": c.title, **dict(c.counts),
                             "applicable": c.applicable, "pass_rate": _round(c.pass_rate)}
                            for c in result.criteria]
    else:
        data[f"{result.by}s"] = [_group_json(g, key=result.by) for g in result.groups]
    return data


def table_rows(result: Stats) -> tuple[list[str], list[list[str]]]:
    """Column headers and formatted rows of the answer, for a terminal table."""
    if result.by == "criterion":
        header = ["criterion", *STATUSES, "pass rate"]
        rows = [[c.id, *(str(c.counts.get(s, 0)) for s in STATUSES), _percent(c.pass_rate)]
                for c in result.criteria]
        return header, rows
    ids = [c.id for c in result.criteria]
    header = [result.by, "calls", "mean score", "OK", *ids]
    rows = [[g.group, str(g.calls), f"{g.mean_score:.1f}", _percent(g.ok_rate),
             *(_percent(g.pass_rates.get(i)) for i in ids)] for g in result.groups]
    return header, rows


def _group_json(g: GroupStats, *, key: str | None) -> dict:
    data: dict = {key: g.group} if key else {}
    data.update(calls=g.calls, mean_score=round(g.mean_score, 1), ok_rate=_round(g.ok_rate),
                pass_rates={k: _round(v) for k, v in g.pass_rates.items()})
    return data


def _round(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.0f}%"
