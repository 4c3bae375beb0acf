"""One process with N CTranslate2 threads, or N processes with one thread each?

Scores the bundled sample calls with `run_batch` both ways (every call scored: no cache) and
prints the wall time of each layout; the faster one is the default of `callqa score --workers`
(pipeline.batch.BatchOptions.workers).  Not a test: a measurement.  Run it on an idle machine:
other jobs on the cores skew it.

    .venv/bin/python bench/workers.py [--cores N] [--repeat R] [INPUT ...]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from pipeline.analysis import AnalysisOptions
from pipeline.batch import BatchOptions, cpu_cores, run_batch
from pipeline.rubric import load_rubric

SAMPLES = Path(__file__).resolve().parent.parent / "sample_calls" / "audio"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", type=Path, default=[SAMPLES])
    parser.add_argument("--cores", type=int, default=cpu_cores(), help="N (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each layout; best kept")
    args = parser.parse_args()
    n = args.cores
    rubric = load_rubric("core")
    layouts = {f"1 process x {n} threads": (1, n), f"{n} processes x 1 thread": (n, 1)}
    print(f"{n} cores; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    best: dict[str, float] = {}
    for run in range(args.repeat):
        # Alternate the order so a drift in the machine's load favours neither layout.
        for name, (workers, threads) in (layouts.items() if run % 2 == 0
                                         else reversed(layouts.items())):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                result = run_batch(args.inputs, out_dir=Path(out), rubric=rubric,
                                   options=AnalysisOptions(cpu_threads=threads),
                                   formats=("json",),
                                   batch=BatchOptions(workers=workers, force=True))
                wall = time.perf_counter() - start
            audio = sum(s.duration_s for s in result.scored)
            print(f"{name:28s} {len(result.scored)} calls, {audio:6.0f} s audio, "
                  f"wall {wall:6.1f} s, RTF {wall / max(audio, 1e-9):.3f}"
                  + (f", {len(result.failures)} FAILED" if result.failures else ""))
            best[name] = min(best.get(name, float("inf")), wall)
    winner = min(best, key=best.get)
    print(f"faster: {winner} ({best[winner]:.1f} s vs "
          f"{max(best.values()):.1f} s); load average after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
