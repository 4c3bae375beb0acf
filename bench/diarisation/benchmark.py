#!/usr/bin/env python3
"""Diarisation benchmark: DER, role accuracy and timing on the rendered set and the real calls.

Runs the pipeline (VAD, ASR, diarisation, roles) on every call of the rendered set, stereo and
mono, and on the two real Callytics calls (references from their .srt), then prints one line
per call and the pooled DER per set.  Renders the set first if its audio is missing.  Not a
test: a measurement.

    .venv/bin/python bench/diarisation/benchmark.py [--sets stereo,mono,real] [--limit N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from pipeline.analysis import AnalysisOptions
from pipeline.der import (evaluate_audio, matched_spans, pooled_der, read_reference,
                          reference_interruptions)

HERE = Path(__file__).resolve().parent
REAL = HERE.parent.parent.parent / "shared" / "data" / "callytics"


def _sets(names: list[str], limit: int | None) -> dict[str, list[tuple[Path, Path]]]:
    refs = sorted((HERE / "references").glob("*.rttm"))[:limit]
    out = {}
    for name in names:
        if name in ("stereo", "mono"):
            out[name] = [(r, HERE / "audio" / name / f"{r.stem}.wav") for r in refs]
        elif name == "real":
            out[name] = [(p, p.with_suffix(".wav")) for p in sorted(REAL.glob("Call*.srt"))]
    return out


def _warm_up() -> None:
    """Imports and librosa's JIT compilation happen once per process, not once per call."""
    import numpy as np

    from pipeline import diarize
    from pipeline.activity import Region

    noise = (0.1 * np.random.default_rng(0).standard_normal(16000 * 3)).astype(np.float32)
    diarize.mono_segments(noise, 16000, (Region(0.0, 3.0),))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="stereo,mono,real")
    parser.add_argument("--limit", type=int, default=None, help="first N rendered calls only")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if not (HERE / "audio" / "mono").is_dir():
        subprocess.run([sys.executable, str(HERE / "generate.py")], check=True)
    options = AnalysisOptions(cpu_threads=args.threads)
    _warm_up()
    for name, calls in _sets(args.sets.split(","), args.limit).items():
        print(f"\n== {name} ({len(calls)} calls)")
        scores, asr_s, dia_s, wrong, edges = [], 0.0, 0.0, [], []
        expected = found = matched = 0
        for ref, audio in calls:
            start = time.perf_counter()
            result = evaluate_audio(ref, audio, options=options)
            wall = time.perf_counter() - start
            s = result.score
            scores.append(s)
            edges.append(s.boundary_p90_s)
            truth = reference_interruptions(read_reference(ref))
            expected += len(truth)
            found += len(result.interruptions)
            matched += matched_spans(result.interruptions, truth)
            asr_s += result.timings.get("asr", 0.0)
            dia_s += result.timings.get("diarisation", 0.0)
            if not s.roles_right:
                wrong.append(s.call_id)
            print(f"{s.call_id:12s} DER {s.der:6.1%}  miss {s.missed_s:5.2f}  fa {s.false_alarm_s:5.2f}"
                  f"  conf {s.confusion_s:5.2f}  / {s.scored_s:5.1f} s  spk {s.reference_speakers}"
                  f"->{s.hypothesis_speakers}  roles {s.role_accuracy:.0%}"
                  f"{'' if s.roles_right else ' WRONG'} (conf {result.role_confidence:.2f})"
                  f"  edges {s.boundary_median_s * 1000:.0f}/{s.boundary_p90_s * 1000:.0f} ms"
                  f"  asr {result.timings.get('asr', 0):.1f} s  diar "
                  f"{result.timings.get('diarisation', 0):.2f} s  wall {wall:.1f} s", flush=True)
        print(f"-- {name}: pooled DER {pooled_der(scores):.2%}, mean DER "
              f"{sum(s.der for s in scores) / max(len(scores), 1):.2%}, worst "
              f"{max((s.der for s in scores), default=0):.2%}; roles right on "
              f"{len(scores) - len(wrong)}/{len(scores)} {wrong or ''}; diarisation "
              f"{dia_s:.1f} s = {dia_s / max(asr_s, 1e-9):.1%} of ASR time ({asr_s:.0f} s); "
              f"turn edges within {max(edges, default=0) * 1000:.0f} ms of the reference "
              f"for 90 % of turns on every call; interruptions (agent over customer >= 1 s): "
              f"{matched}/{expected} found, {found - matched} false")
    return 0


if __name__ == "__main__":
    sys.exit(main())
