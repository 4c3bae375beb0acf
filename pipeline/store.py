"""The results store: every report of an output folder in one SQLite file (DIR/callqa.sqlite).

The report JSONs stay the public record; the store is derived from them, so that pass rates per
criterion, agent and week (pipeline.stats) never need to re-read hundreds of JSON files, and so
it can always be rebuilt from them (`rebuild_from_reports`, `callqa stats DIR --rebuild`).

Tables (schema version 1, kept in `meta`):
    meta(key, value)                      schema_version, ...
    calls(call_id PK, source, agent, call_date, language, duration_s, channels, rubric_id,
          rubric_version, model, score, verdict, scored_at)
    criteria(call_id, criterion_id PK, position, title, status, weight, critical,
             objections, rebuttals)
    evidence(call_id, criterion_id, start_s, end_s, speaker, text, label)
    silences(call_id, start_s, end_s, duration_s, kind)
`call_date` is an ISO date (YYYY-MM-DD) or NULL; `scored_at` an ISO UTC timestamp.  Times are
`start_s`/`end_s` rather than the JSON's start/end because END is an SQL keyword.

Several processes may open the store at once (WAL mode, busy timeout, every write in one
IMMEDIATE transaction), but the batch parent is meant to be the only writer.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Mapping

from pipeline.errors import CallQAError
from pipeline.evidence import STATUSES
from pipeline.report.summary import AgentSource, load_reports

log = logging.getLogger(__name__)

STORE_NAME = "callqa.sqlite"
SCHEMA_VERSION = 1
# Long enough for a writer committing a whole rebuild; a stuck lock still ends in an error.
BUSY_TIMEOUT_S = 30.0
# A date inside a call id, e.g. "agent-marie_2024-05-02_0931" or "call_20240502".
_DATE_IN_ID = re.compile(r"(?<!\d)(20\d\d)-?(\d\d)-?(\d\d)(?!\d)")

_STATUS_LIST = ", ".join(f"'{s}'" for s in STATUSES)
_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE calls (
    call_id TEXT PRIMARY KEY, source TEXT, agent TEXT, call_date TEXT, language TEXT,
    duration_s REAL, channels INTEGER, rubric_id TEXT, rubric_version TEXT, model TEXT,
    score REAL NOT NULL, verdict TEXT NOT NULL, scored_at TEXT NOT NULL);
CREATE INDEX calls_agent ON calls (agent);
CREATE INDEX calls_date ON calls (call_date);
CREATE TABLE criteria (
    call_id TEXT NOT NULL REFERENCES calls (call_id), criterion_id TEXT NOT NULL,
    position INTEGER NOT NULL, title TEXT,
    status TEXT NOT NULL CHECK (status IN ({_STATUS_LIST})),
    weight REAL, critical INTEGER, objections INTEGER, rebuttals INTEGER,
    PRIMARY KEY (call_id, criterion_id));
CREATE TABLE evidence (
    call_id TEXT NOT NULL REFERENCES calls (call_id), criterion_id TEXT NOT NULL,
    start_s REAL, end_s REAL, speaker TEXT, text TEXT, label TEXT);
CREATE INDEX evidence_call ON evidence (call_id, criterion_id);
CREATE TABLE silences (
    call_id TEXT NOT NULL REFERENCES calls (call_id),
    start_s REAL, end_s REAL, duration_s REAL, kind TEXT);
CREATE INDEX silences_call ON silences (call_id);
"""
# Children first: the foreign keys are enforced.
_TABLES = ("evidence", "silences", "criteria", "calls", "meta")
# MIGRATIONS[v] upgrades a store of version v to v + 1 in place.  A version without a step is
# rebuilt from the report JSONs instead (the store is derived data, nothing is lost).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}


class StoreError(CallQAError):
    """The results store cannot be read or written."""


class StoreVersionError(StoreError):
    """The store was written by a newer callqa."""


@dataclass(frozen=True)
class _Rows:
    """One report as table rows, built before the transaction so a bad report touches nothing."""

    call: tuple
    criteria: list[tuple]
    evidence: list[tuple]
    silences: list[tuple]


class ResultsStore:
    """The SQLite store of one output folder; use as `with ResultsStore(out_dir) as store:`.

    Opening creates the folder and the store if needed, and upgrades an older schema.
    """

    def __init__(self, out_dir: Path, *, name: str = STORE_NAME) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / name
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> ResultsStore:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = _connect(self.path)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: not a readable callqa store ({exc}); run "
                             f"`callqa stats {self.out_dir} --rebuild` to rebuild it from the "
                             "report JSONs") from exc
        try:
            self._prepare()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def connection(self) -> sqlite3.Connection:
        """The open connection, for read queries (pipeline.stats)."""
        if self._conn is None:
            raise StoreError(f"{self.path}: the store is not open; use `with ResultsStore(...)`")
        return self._conn

    def add(self, report: Mapping, *, agent: str | None = None,
            call_date: str | date | None = None, scored_at: datetime | None = None) -> None:
        """Store one report (json_report.to_dict output), replacing any earlier rows of the
        same call in one transaction: re-scoring never duplicates a call."""
        rows = _rows_of(report, agent=agent, call_date=call_date, scored_at=scored_at)
        with _transaction(self.connection, self.path):
            _write(self.connection, rows)

    def call_count(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM calls").fetchone()[0]

    def call_ids(self) -> set[str]:
        """The calls stored, e.g. to add cache hits scored before the store existed."""
        return {r[0] for r in self.connection.execute("SELECT call_id FROM calls")}

    def _prepare(self) -> None:
        version = _schema_version(self.connection, self.path)
        if version is None:
            with _transaction(self.connection, self.path):
                # Another process may have created it while this one waited for the lock.
                if _schema_version(self.connection, self.path) is None:
                    _create(self.connection)
        elif version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.path} has schema version {version}, newer than this callqa knows "
                f"({SCHEMA_VERSION}); upgrade callqa, or run `callqa stats {self.out_dir} "
                "--rebuild` to rebuild it from the report JSONs")
        elif version < SCHEMA_VERSION:
            self._upgrade(version)

    def _upgrade(self, version: int) -> None:
        steps = range(version, SCHEMA_VERSION)
        if all(v in MIGRATIONS for v in steps):
            with _transaction(self.connection, self.path):
                if _schema_version(self.connection, self.path) != version:
                    return      # another process migrated it while this one waited
                for v in steps:
                    MIGRATIONS[v](self.connection)
                _set_version(self.connection, SCHEMA_VERSION)
            return
        log.warning("%s: schema version %d has no migration; rebuilding it from the reports",
                    self.path, version)
        _rebuild(self.connection, self.path, load_reports(self.out_dir), out_dir=self.out_dir,
                 agents=AgentSource(), dates={})


def rebuild_from_reports(out_dir: Path, *, agents: AgentSource = AgentSource(),
                         dates: Mapping[str, str] | None = None) -> int:
    """Recreate DIR/callqa.sqlite from the report JSONs in `out_dir`; return the number of
    calls.  A call keeps the agent and date the old store had, unless `agents.by_call` or
    `dates` (call_id -> ISO date, e.g. from a metadata CSV) say otherwise; else the agent comes
    from the file-name pattern and the date from a date in the call id, if any."""
    out_dir = Path(out_dir)
    reports = load_reports(out_dir)    # no report, no store: fail before touching it
    path = out_dir / STORE_NAME
    try:
        conn = _connect(path)
    except sqlite3.DatabaseError:
        # Not a database at all (truncated, overwritten): it only held derived data.
        log.warning("%s is not an SQLite database; replacing it", path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        conn = _connect(path)
    try:
        return _rebuild(conn, path, reports, out_dir=out_dir, agents=agents, dates=dates or {})
    finally:
        conn.close()


def recording_date(path: Path) -> str:
    """The local date a recording file was last modified: the call date when no metadata
    gives one (recorders write the file as the call ends)."""
    return datetime.fromtimestamp(Path(path).stat().st_mtime).date().isoformat()


def iso_week(call_date: str | None) -> str | None:
    """'2024-W18' for an ISO date; None for None or a value that is not a date."""
    try:
        year, week, _ = date.fromisoformat(str(call_date)[:10]).isocalendar()
    except ValueError:
        return None
    return f"{year}-W{week:02d}"


# ---------------------------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), since Python's
    # implicit ones would leave DDL outside the transaction.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        # Safe in WAL mode (no corruption on a crash; at worst the last commits of a power
        # cut are lost, and the JSONs still hold them) and saves an fsync per call.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError:
        conn.close()
        raise
    conn.create_function("iso_week", 1, iso_week, deterministic=True)
    return conn


@contextmanager
def _transaction(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """All or nothing; IMMEDIATE takes the write lock up front so two writers wait (busy
    timeout) instead of failing on a lock upgrade."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot write the results store ({exc}); "
                         "is another callqa still writing it?") from exc
    try:
        yield
    except sqlite3.Error as exc:
        conn.execute("ROLLBACK")
        raise StoreError(f"{path}: write failed and was undone ({exc})") from exc
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _schema_version(conn: sqlite3.Connection, path: Path) -> int | None:
    """The stored schema version; None for a new, empty file."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return None
        row = (conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
               if "meta" in tables else None)
        return int(row[0]) if row else 0
    except (sqlite3.Error, ValueError) as exc:
        raise StoreError(f"{path}: not a readable callqa store ({exc}); run `callqa stats "
                         f"{path.parent} --rebuild` to rebuild it from the reports") from exc


def _create(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    _set_version(conn, SCHEMA_VERSION)


def _set_version(conn: sqlite3.Connection, version: int) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                 (str(version),))


def _write(conn: sqlite3.Connection, rows: _Rows) -> None:
    call_id = rows.call[0]
    for table in _TABLES[:-1]:
        conn.execute(f"DELETE FROM {table} WHERE call_id = ?", (call_id,))
    conn.execute("INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows.call)
    conn.executemany("INSERT INTO criteria VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows.criteria)
    conn.executemany("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?)", rows.evidence)
    conn.executemany("INSERT INTO silences VALUES (?, ?, ?, ?, ?)", rows.silences)


def _rebuild(conn: sqlite3.Connection, path: Path, reports: list[dict], *, out_dir: Path,
             agents: AgentSource, dates: Mapping[str, str]) -> int:
    """Drop and refill every table in one transaction; a bad report is skipped, not fatal."""
    stored = 0
    with _transaction(conn, path):
        previous = _previous_keys(conn)
        for table in _TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        _create(conn)
        for report in reports:
            call_id = str(report.get("call_id", ""))
            old_agent, old_date = previous.get(call_id, (None, None))
            try:
                rows = _rows_of(report, agent=agents.by_call.get(call_id) or old_agent
                                or agents.agent_of(call_id),
                                call_date=dates.get(call_id) or old_date or _date_in(call_id),
                                scored_at=_mtime(out_dir / f"{call_id}.json"))
                _write_one(conn, rows)
            except (StoreError, sqlite3.Error) as exc:
                log.warning("%s left out of the store: %s", call_id or "a report", exc)
                continue
            stored += 1
    log.info("%s rebuilt from %d reports", path, stored)
    return stored


def _write_one(conn: sqlite3.Connection, rows: _Rows) -> None:
    """Write one call inside a larger transaction; on failure undo just this call."""
    conn.execute("SAVEPOINT one_call")
    try:
        _write(conn, rows)
    except sqlite3.Error:
        conn.execute("ROLLBACK TO one_call")
        raise
    finally:
        conn.execute("RELEASE one_call")


def _previous_keys(conn: sqlite3.Connection) -> dict[str, tuple[str | None, str | None]]:
    """Agent and date per call of the store being replaced: they came from metadata or from
    recordings that may no longer be at hand."""
    try:
        return {r[0]: (r[1], r[2])
                for r in conn.execute("SELECT call_id, agent, call_date FROM calls")}
    except sqlite3.Error:
        return {}


def _date_in(call_id: str) -> str | None:
    match = _DATE_IN_ID.search(call_id)
    if match is None:
        return None
    try:
        return date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return None


def _iso_date(value: str | date | None, call_id: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value).strip()
    try:
        if len(text) > 10 and text[10] not in "T ":
            raise ValueError(text)
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise StoreError(f"{call_id}: call date {value!r} is not an ISO date; "
                         "give it as YYYY-MM-DD") from None


def _rows_of(report: Mapping, *, agent: str | None, call_date: str | date | None,
             scored_at: datetime | None) -> _Rows:
    try:
        call_id = str(report["call_id"])
        stamp = (scored_at or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        rubric = report.get("rubric") or {}
        call = (call_id, report.get("source"), agent or None,
                _iso_date(call_date, call_id), report.get("language"),
                _float(report.get("duration_s")), report.get("channels"), rubric.get("id"),
                rubric.get("version"), report.get("model") or None, float(report["score"]),
                str(report["verdict"]), stamp)
        criteria, evidence = [], []
        for position, c in enumerate(report["criteria"]):
            cid = str(c["id"])
            criteria.append((call_id, cid, position, c.get("title"), str(c["status"]),
                             _float(c.get("weight")), _flag(c.get("critical")),
                             _int(c.get("objections")), _int(c.get("rebuttals"))))
            evidence += [(call_id, cid, _float(e.get("start")), _float(e.get("end")),
                          e.get("speaker"), e.get("text"), e.get("label"))
                         for e in c.get("evidence") or ()]
        silences = [(call_id, _float(s.get("start")), _float(s.get("end")),
                     _float(s.get("duration_s")), s.get("kind"))
                    for s in report.get("silences") or ()]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"report {report.get('call_id', '?')} lacks a field of schema version 1 ({exc}); "
                         "score the call again") from exc
    return _Rows(call, criteria, evidence, silences)


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _flag(value: object) -> int | None:
    return None if value is None else int(bool(value))
