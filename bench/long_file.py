"""Memory and time of one very long recording, scored end to end by `callqa score`.

Builds (once, into /tmp) a stereo 8 kHz A-law file of `--hours` hours: a faint line-noise floor
with a real sample call pasted in every `--every` seconds, so that decoding and voice activity
see hours of audio while speech recognition only has a few minutes of speech to do.  Then runs
`callqa score` on it in a subprocess and prints wall time and the peak RSS of the largest
process (the CLI or its worker).  Not a test: a measurement.

    .venv/bin/python bench/long_file.py [--hours 3] [--every 600] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
CALL = ROOT / "sample_calls" / "audio" / "fr_energy_inbound.wav"
RATE = 8000


def build(path: Path, *, hours: float, every_s: float, call: Path) -> int:
    """Write the long file block by block (its samples never sit in memory at once);
    returns how many copies of the call it holds."""
    speech, rate = sf.read(call, dtype="float32", always_2d=True)
    if rate != RATE or speech.shape[1] != 2:
        raise SystemExit(f"{call.name}: expected a stereo {RATE} Hz call")
    total = int(hours * 3600 * RATE)
    rng = np.random.default_rng(0)
    starts = list(range(int(60 * RATE), total - len(speech), int(every_s * RATE)))
    block = 60 * RATE
    tmp = path.with_suffix(".part.wav")
    with sf.SoundFile(tmp, "w", samplerate=RATE, channels=2, subtype="ALAW") as out:
        for a in range(0, total, block):
            b = min(a + block, total)
            chunk = rng.normal(scale=0.001, size=(b - a, 2)).astype(np.float32)
            for s in starts:
                lo, hi = max(a, s), min(b, s + len(speech))
                if lo < hi:
                    chunk[lo - a:hi - a] += speech[lo - s:hi - s]
            out.write(chunk)
    tmp.rename(path)
    return len(starts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--every", type=float, default=600.0, help="seconds between two calls")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "callqa-long")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    name = f"long_{args.hours:g}h_every{args.every:g}s"
    audio = args.dir / f"{name}.wav"
    if not audio.exists():
        start = time.perf_counter()
        copies = build(audio, hours=args.hours, every_s=args.every, call=CALL)
        print(f"built {audio} ({audio.stat().st_size / 1e6:.0f} MB, {copies} calls pasted) "
              f"in {time.perf_counter() - start:.0f} s")
    out = args.dir / f"{name}_reports"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(Path(sys.executable).parent / "callqa"), "score", str(audio), "--out", str(out),
               "--workers", str(args.workers), "--force"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    # ru_maxrss of the children is that of the largest one waited for (the CLI or a worker
    # it joined), in KiB on Linux.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"exit {done.returncode}; wall {wall:.0f} s; peak RSS {peak_mb:.0f} MB")
    if done.returncode:
        print(done.stdout[-2000:], done.stderr[-2000:], sep="\n")
        return
    report = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    print(f"duration {report['duration_s'] / 3600:.2f} h; {len(report['turns'])} turns; "
          f"{len(report['silences'])} silences; score {report['score']} {report['verdict']}")
    timings = report.get("timings") or {}
    if timings:
        print("stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))


if __name__ == "__main__":
    main()
