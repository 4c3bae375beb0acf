"""Score every bundled sample call and compare with its ground truth.

Prints, per call: statuses found vs expected, role accuracy, gaps matched, objection
counts, and wall time vs audio duration (real-time factor).  Not a test: a measurement.

    .venv/bin/python bench/score_samples.py [--threads N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipeline.analysis import AnalysisOptions, analyse
from pipeline.evaluation import compare, load_truth
from pipeline.rubric import load_rubric

SAMPLES = Path(__file__).resolve().parent.parent / "sample_calls"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    rubric = load_rubric("core")
    options = AnalysisOptions(cpu_threads=args.threads)
    # Warm-up: model load and library imports are a once-per-process cost, not per call.
    first = load_truth(sorted((SAMPLES / "truth").glob("*.json"))[0])
    analyse(SAMPLES / first.audio, rubric=rubric, options=options)
    total_hits = total_criteria = 0
    total_audio = total_wall = 0.0
    for truth_path in sorted((SAMPLES / "truth").glob("*.json")):
        truth = load_truth(truth_path)
        start = time.perf_counter()
        report = analyse(SAMPLES / truth.audio, rubric=rubric, options=options)
        wall = time.perf_counter() - start
        result = compare(report, truth)
        total_hits += result.status_hits
        total_criteria += len(result.statuses)
        total_audio += report.duration_s
        total_wall += wall
        print(f"\n{truth.call_id}  ({truth.channels} ch, {report.duration_s:.1f} s audio, "
              f"{wall:.1f} s wall, RTF {wall / report.duration_s:.3f})")
        print(f"  roles {result.role_accuracy:.0%} ({report.transcript.role_basis})")
        print(f"  gaps matched {result.gaps_matched}/{result.gaps_expected} "
              f"(found {result.gaps_found});  objections expected/found {result.objections}")
        for cid, (expected, found) in result.statuses.items():
            flag = "  " if expected == found else "XX"
            print(f"  {flag} {cid:15s} expected {expected:15s} found {found}")
        stages = ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items())
        print(f"  stages (s): {stages}")
    print(f"\nstatuses right: {total_hits}/{total_criteria} "
          f"({total_hits / max(total_criteria, 1):.0%});  audio {total_audio:.0f} s, "
          f"wall {total_wall:.0f} s, RTF {total_wall / max(total_audio, 1e-9):.3f}")


if __name__ == "__main__":
    main()
