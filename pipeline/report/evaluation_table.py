"""`callqa evaluate` on a terminal: the metrics of an Evaluation as rich tables."""

from __future__ import annotations

from rich.table import Table

from pipeline.evaluation import Evaluation

_SHORT = {"met": "met", "partial": "part", "not_met": "NOT", "not_applicable": "n/a",
          "missing": "—"}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def evaluation_tables(result: Evaluation, *, errors: bool = False) -> list[Table]:
    """Per-criterion table, then the call-level numbers, then (optionally) every wrong verdict."""
    n = len(result.comparisons)
    criteria = Table(title=f"From {result.source}: {n} calls — status accuracy "
                           f"{_pct(result.status_accuracy)}", title_justify="left")
    criteria.add_column("criterion", no_wrap=True)
    for column in ("calls", "acc.", "P(not met)", "R(not met)"):
        criteria.add_column(column, justify="right", no_wrap=True)
    criteria.add_column("errors (expected→found: calls)")
    for m in result.criteria:
        wrong = ", ".join(f"{_SHORT.get(e, e)}→{_SHORT.get(f, f)}: {k}"
                          for (e, f), k in sorted(m.confusion.items()) if e != f)
        criteria.add_row(m.id, str(m.calls), _pct(m.accuracy), _pct(m.not_met_precision),
                         _pct(m.not_met_recall), wrong or "all right")
    gaps = result.gaps
    calls = Table(show_header=False, box=None)
    calls.add_row("objection count exact", _pct(result.objections_exact))
    calls.add_row("silence gaps ≥ 2 s (edges ± 0.3 s)",
                  f"F1 {gaps.f1:.3f}  (precision {gaps.precision:.3f}, recall "
                  f"{gaps.recall:.3f}; {gaps.matched} of {gaps.expected} found, "
                  f"{gaps.found} reported; kind right on {gaps.kind_matched})")
    calls.add_row("roles (share of speech)", _pct(result.role_accuracy))
    tables = [criteria, calls]
    if errors and result.errors():
        wrong = Table(title=f"Wrong verdicts from {result.source}", title_justify="left")
        for column in ("call", "criterion", "expected", "found"):
            wrong.add_column(column)
        for row in result.errors():
            wrong.add_row(*row)
        tables.append(wrong)
    return tables
