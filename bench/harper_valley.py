"""Score the 40 Harper Valley bank calls (real English calls, human-transcribed) with a rubric.

Prints a Markdown report: per criterion the count of each status, then per criterion a few
quoted examples per status (call id, status, evidence with timestamps, the detector's note).
Not a test: a measurement of what the detectors find on real text.

    .venv/bin/python bench/harper_valley.py                  # core rubric
    .venv/bin/python bench/harper_valley.py --rubric cc0213  # Flemish contact-centre rubric
    .venv/bin/python bench/harper_valley.py --compare        # + agreement with a hand judgement
    .venv/bin/python bench/harper_valley.py --call 0002f70f7386445b --examples 99

The data has no audio: silence gaps come from the transcribers' segment times, and there is
no stereo overlap, so let_finish can only be not applicable.  `--compare` checks the verdicts
against HAND, a judgement of every call read against behaviours.md (docs/harper_valley.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from pipeline.evidence import STATUSES  # noqa: E402
from pipeline.rubric import load_rubric  # noqa: E402
from pipeline.scoring import CriterionResult, score_transcript  # noqa: E402
from pipeline.text import strip_tags  # noqa: E402
from pipeline.transcript import load_transcript  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "harper_valley"
QUOTE_CHARS = 110

# The hand judgement: per call, per criterion, the status a careful reader gives from the text
# against behaviours.md (reasons in docs/harper_valley.md).  Criteria left out of a call's entry
# were not judged.  Codes: m = met, p = partial, n = not_met, na = not_applicable.
# Silence is "judged" only as far as the text allows: recomputed by hand from the turn times
# (union of segments, gaps >= 2 s, hold = after an announced "one second"); let_finish needs a
# stereo overlap measurement and is not judged.
_COLUMNS = ("greeting", "identity_check", "reformulation", "objections", "closing", "silence",
            "clarification", "call_purpose", "calm_customer", "let_finish", "transfer",
            "callback", "upsell", "short_sentences")
_CODES = {"m": "met", "p": "partial", "n": "not_met", "na": "not_applicable", "-": None}
_HAND_TABLE = """
#                 gre idc ref obj clo sil cla pur clm let trf cbk ups sho
0002f70f7386445b  m  n  n  na m  n  m  na na -  na na na m
004860b1ab2e4c88  m  n  n  na m  p  m  na na -  na na na m
0091a706bc604188  m  n  n  na m  p  m  na na -  na na na m
00d676d7058c49bb  m  n  n  na m  m  m  na na -  na na na m
00f7dce6fc3849a2  m  n  n  na m  n  m  na na -  na na na m
010d38f5ada54e0d  m  n  n  na m  m  m  na na -  na na na m
010eaccb7a23436f  m  n  n  na m  n  m  na na -  na na na m
0126ffdce48049a9  m  n  n  na m  p  n  na na -  na na na m
0188295665114e74  m  n  n  na m  m  m  na na -  na na na m
01cefd6f5c044a6f  m  m  n  na m  p  n  na na -  na na na m
01f7ec3700424bc0  p  n  n  na m  n  n  na na -  na na na m  # greeting: a bare "hello"
020e48edcf0940a4  m  n  n  na m  p  m  na na -  na na na m
021cd80ca7cc464b  m  n  n  na m  p  m  na na -  na na na m
0224c92b64d144d4  m  m  n  na m  n  n  na na -  na na na m
02b03e407894474b  m  n  n  na m  p  m  na na -  na na na m
02e41649e7c441fd  m  m  n  na m  p  n  na na -  na na na m
02fd023b18d246d0  m  m  n  na m  p  n  na na -  na na na m
0317f95f3d7441c5  m  n  n  na m  n  m  na na -  na na na m
034a32d3b6e4435a  m  n  n  na m  n  m  na na -  na na na m
035edd1d09c1433e  m  n  n  na m  p  m  na na -  na na na m
0377245f73a54480  m  n  n  na m  p  m  na na -  na na na m
0395f6997a8e4836  m  n  m  na m  p  m  na na -  na na m  m  # upsell: paid expedite offered ("for a cost"), borderline
03a17cc36d474151  m  n  n  na m  p  m  na na -  na na na m
03aad8e17c8d4d81  m  n  n  na m  p  m  na na -  na na na m
03df1bec638a46e6  m  n  n  na m  p  m  na na -  na na na m
03fccf2cf2254435  m  m  m  na m  p  n  na na -  na na na m  # reformulation: address read back ("that's four two one first street …")
040f493852fe4553  m  n  n  na m  n  m  na na -  na na na m
04a1020bb9bc4a45  m  n  n  na m  p  n  na na -  na na na m
04a13b358adb4eff  m  n  n  na m  p  m  na na -  na na na m
056d09d7b63046e3  m  n  n  na m  n  m  na na -  na na na m
057d15ba6b9044d2  m  n  n  na m  p  m  na na -  na na na m
05b6534dc3294138  m  n  n  na m  p  m  na na -  na na na m  # closing: transfer confirmed + "anything else" = two parts
05c33cbd2c514f06  m  n  n  na m  p  m  na na -  na na na m
05c6e20d983b4804  m  n  n  na m  p  m  na na -  na na na m
05e4cfa661ed4215  m  n  n  na m  m  m  na na -  na na na m
063ea0f1abb143c1  m  n  n  na m  n  m  na na -  na na na m
0697acf83dc14c82  m  n  n  na m  p  m  na na -  na na na m
06a919ed8b2d47e4  m  m  n  na m  n  n  na na -  na na na m
06f5d96bd7e64511  m  m  n  na m  p  n  na na -  na na na m
06ff201c1fd84e1c  m  n  n  na m  n  m  na na -  na na na m
"""


def _hand() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for line in _HAND_TABLE.strip().splitlines():
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        call, codes = line[0], line[1:]
        if len(codes) != len(_COLUMNS):
            raise SystemExit(f"hand table: {call} has {len(codes)} codes, "
                             f"expected {len(_COLUMNS)}")
        table[call] = {c: _CODES[code] for c, code in zip(_COLUMNS, codes)
                       if _CODES[code] is not None}
    return table


HAND = _hand()


def _clip(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(strip_tags(text).split()).replace("|", "/")
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _evidence(result: CriterionResult, limit: int = 3) -> str:
    parts = []
    for ev in result.evidence[:limit]:
        who = f"{ev.speaker} " if ev.speaker else ""
        label = f" ({ev.label})" if ev.label else ""
        quote = f' "{_clip(ev.text)}"' if ev.text.strip() else ""
        parts.append(f"{who}{ev.start:.1f}–{ev.end:.1f} s{quote}{label}")
    more = f" … +{len(result.evidence) - limit}" if len(result.evidence) > limit else ""
    return "; ".join(parts) + more if parts else "(no evidence)"


def _facts(result: CriterionResult) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in result.facts.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA,
                        help="folder of Harper Valley *.json transcripts (default: %(default)s)")
    parser.add_argument("--rubric", default="core", help="rubric id or path (default: core)")
    parser.add_argument("--examples", type=int, default=3,
                        help="quoted examples per criterion and status (default: 3)")
    parser.add_argument("--call", action="append", default=[],
                        help="only this call id (repeatable)")
    parser.add_argument("--compare", action="store_true",
                        help="add agreement with the hand judgement and list the disagreements")
    args = parser.parse_args()

    paths = sorted(args.data.glob("*.json"))
    if args.call:
        paths = [p for p in paths if p.stem in set(args.call)]
    if not paths:
        raise SystemExit(f"no transcripts in {args.data} (set --data)")
    rubric = load_rubric(args.rubric)
    criteria = [c.id for c in rubric.criteria]

    began = time.perf_counter()
    results: dict[str, dict[str, CriterionResult]] = {}
    gaps_from: set[str] = set()
    for path in paths:
        transcript = load_transcript(path)
        gaps_from.add(transcript.gaps_from)
        card = score_transcript(transcript, rubric, report_language="en")
        results[path.stem] = {c.id: c for c in card.criteria}
    wall = time.perf_counter() - began

    out = print
    out(f"# Harper Valley: rubric `{rubric.id}` on {len(paths)} calls\n")
    out(f"Data: `{args.data}`. Scored in {wall:.1f} s. Silence gaps from: "
        f"{', '.join(sorted(gaps_from))} (no audio).\n")
    out("## Status counts\n")
    out("| criterion | " + " | ".join(STATUSES) + " |")
    out("|---|" + "---:|" * len(STATUSES))
    for cid in criteria:
        counts = Counter(results[call][cid].status for call in results)
        out(f"| {cid} | " + " | ".join(str(counts.get(s, 0)) for s in STATUSES) + " |")

    out("\n## Examples\n")
    for cid in criteria:
        out(f"### {cid}\n")
        by_status: dict[str, list[str]] = defaultdict(list)
        for call in results:
            by_status[results[call][cid].status].append(call)
        for status in STATUSES:
            calls = by_status.get(status, [])
            if not calls:
                continue
            out(f"**{status}** ({len(calls)})\n")
            for call in calls[:args.examples]:
                r = results[call][cid]
                facts = _facts(r)
                out(f"- `{call}` — {_evidence(r)}"
                    + (f" — note: {r.note}" if r.note else "")
                    + (f" — facts: {facts}" if facts else ""))
            out("")

    if args.compare:
        _compare(results, criteria, out)


def _compare(results: dict[str, dict[str, CriterionResult]], criteria: list[str], out) -> None:
    out("## Agreement with the hand judgement\n")
    out("| criterion | judged calls | agree | agreement |")
    out("|---|---:|---:|---:|")
    wrong: list[tuple[str, str, str, str]] = []
    for cid in criteria:
        judged = [(call, HAND[call][cid]) for call in results
                  if call in HAND and cid in HAND[call]]
        if not judged:
            continue
        agree = sum(results[call][cid].status == status for call, status in judged)
        out(f"| {cid} | {len(judged)} | {agree} | {agree / len(judged):.0%} |")
        wrong += [(cid, call, results[call][cid].status, status) for call, status in judged
                  if results[call][cid].status != status]
    out("\n### Disagreements\n")
    for cid, call, found, expected in wrong:
        r = results[call][cid]
        out(f"- {cid} `{call}`: detector **{found}**, hand **{expected}** — {_evidence(r, 2)}"
            + (f" — note: {r.note}" if r.note else ""))
    out("")


if __name__ == "__main__":
    main()
