"""Charts of the batch overview, drawn by matplotlib as static SVG to inline in the page.

Figures are made without pyplot (no global figure registry) and with the Agg-family SVG
backend, so nothing needs a display and nothing leaks between calls.  Text is drawn as paths:
the page then looks the same whatever fonts the reader's machine has.
"""

from __future__ import annotations

import io
import re
from typing import Sequence

from pipeline.report.summary import AgentAverage, CallRow, CriterionRate
from pipeline.report.wording import Wording

# Same colours as the page's stylesheet (report.css).
STATUS_COLOURS = {"met": "#2f855a", "partial": "#d69e2e", "not_met": "#c53030"}
CHART_HEIGHT = 3.2        # inches; the two charts side by side keep the same height
OK_COLOUR, NOK_COLOUR, INK, GRID = "#2f855a", "#c53030", "#2d3748", "#e2e8f0"
_RC = {"svg.hashsalt": "callqa", "font.size": 9, "axes.edgecolor": GRID,
       "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
       "axes.spines.top": False, "axes.spines.right": False}


def _plain(text: str, limit: int = 30) -> str:
    # A `$` in an agent or criterion name would switch matplotlib to math mode; a long name
    # would squeeze the bars to nothing.
    text = text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
    return text.replace("$", r"\$")


def _figure(width: float, height: float):
    # Imported here: matplotlib takes a while to load and only the overview needs it.
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _svg(figure) -> str:
    import matplotlib
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    text = buffer.getvalue()
    # Inline SVG: drop the XML prolog and doctype, which only a standalone file needs.
    return re.sub(r"^.*?(?=<svg)", "", text, count=1, flags=re.S)


def score_distribution(rows: Sequence[CallRow], words: Wording) -> str:
    """Histogram of scores in bins of 10, each bar split into OK and NOK calls."""
    import matplotlib
    with matplotlib.rc_context(_RC):
        figure = _figure(5.2, CHART_HEIGHT)
        ax = figure.add_subplot()
        bins = list(range(0, 101, 10))
        ok = [r.score for r in rows if r.verdict == "OK"]
        nok = [r.score for r in rows if r.verdict != "OK"]
        ax.hist([nok, ok], bins=bins, stacked=True, color=[NOK_COLOUR, OK_COLOUR],
                label=["NOK", "OK"], edgecolor="white", linewidth=0.8)
        ax.set_xlim(0, 100)
        ax.set_xticks(bins)
        ax.set_xlabel(words.score)
        ax.set_ylabel(words.number_of_calls)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, loc="upper left")
        return _svg(figure)


def pass_rates(criteria: Sequence[CriterionRate], words: Wording) -> str:
    """One horizontal bar per criterion: share of applicable calls met / partial / not met."""
    import matplotlib
    with matplotlib.rc_context(_RC):
        figure = _figure(5.2, max(CHART_HEIGHT, 0.4 * len(criteria) + 0.8))
        ax = figure.add_subplot()
        names = [_plain(words.criterion_name(c.id, c.title)) for c in criteria]
        left = [0.0] * len(criteria)
        for status, colour in STATUS_COLOURS.items():
            shares = [100 * c.counts.get(status, 0) / c.applicable if c.applicable else 0.0
                      for c in criteria]
            ax.barh(names, shares, left=left, color=colour, label=words.status[status],
                    height=0.62, edgecolor="white", linewidth=0.8)
            left = [a + b for a, b in zip(left, shares)]
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"{words.share_of_calls} (%)")
        figure.legend(frameon=False, ncols=3, loc="outside upper center")
        ax.tick_params(axis="y", length=0)
        return _svg(figure)


def agent_scores(agents: Sequence[AgentAverage], words: Wording) -> str:
    """Mean score per agent, with the number of calls behind each mean."""
    import matplotlib
    with matplotlib.rc_context(_RC):
        figure = _figure(5.2, 0.4 * max(len(agents), 1) + 0.8)
        ax = figure.add_subplot()
        names = [_plain(a.agent) for a in agents]
        bars = ax.barh(names, [a.mean_score for a in agents], color="#3b6fb6", height=0.6)
        ax.bar_label(bars, labels=[f"{a.mean_score:.0f} (n={a.calls})" for a in agents],
                     padding=3, fontsize=8, color=INK)
        ax.invert_yaxis()
        ax.set_xlim(0, 110)
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(words.mean_score)
        ax.tick_params(axis="y", length=0)
        return _svg(figure)
