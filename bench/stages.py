"""Where the time and memory of scoring a call go, and how the whole pipeline compares with
faster-whisper alone transcribing the same audio with the same settings, in the same run.

For each recording: audio duration, wall time, real-time factor, time per stage (decode, VAD,
ASR, diarisation, roles, detectors, report rendering), then faster-whisper on its own
(`WhisperModel.transcribe` of the file: its own decoding and Silero VAD, the same model, beam,
int8, word timestamps and threads; it detects the language as the pipeline does) and the
ratio of the two.  Peak memory (RSS) is
the process's.  Not a test: a measurement.  Run it on an idle machine.

    .venv/bin/python bench/stages.py                       # the 8 sample calls
    .venv/bin/python bench/stages.py bench/devset/audio    # the 42 calls of the dev set
    .venv/bin/python bench/stages.py --beam 1 ...          # a faster setting
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from pipeline import asr
from pipeline.analysis import AnalysisOptions, analyse
from pipeline.audio import AUDIO_SUFFIXES
from pipeline.models import resolve_model
from pipeline.outputs import render_report
from pipeline.rubric import load_rubric
from pipeline.text import LANGUAGES, nlp

SAMPLES = Path(__file__).resolve().parent.parent / "sample_calls" / "audio"
STAGES = ("decode", "vad", "asr", "diarisation", "roles", "detectors", "report")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def whisper_alone(path: Path, *, beam: int, threads: int) -> float:
    """Seconds faster-whisper alone takes to transcribe the file, words and all (it detects
    the language itself, as the pipeline does)."""
    model = asr.load_model(resolve_model("base"), threads)
    start = time.perf_counter()
    segments, _ = model.transcribe(str(path), beam_size=beam,
                                   word_timestamps=True, vad_filter=True,
                                   condition_on_previous_text=False, temperature=0.0)
    for _ in segments:          # the generator does the work
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", type=Path, default=[SAMPLES])
    parser.add_argument("--threads", type=int, default=0, help="CTranslate2 threads (0 = all)")
    parser.add_argument("--beam", type=int, default=asr.AsrOptions.beam_size)
    args = parser.parse_args()
    files = sorted(p for item in args.inputs
                   for p in (item.rglob("*") if item.is_dir() else [item])
                   if p.suffix.lower() in AUDIO_SUFFIXES)
    rubric = load_rubric("core")
    options = AnalysisOptions(cpu_threads=args.threads, beam_size=args.beam)
    # Model load, spaCy and library imports are once per process, not per call.
    analyse(files[0], rubric=rubric, options=options)
    for language in LANGUAGES:
        nlp(language)
    whisper_alone(files[0], beam=args.beam, threads=args.threads)
    totals = dict.fromkeys(STAGES, 0.0)
    audio_s = wall_s = alone_s = 0.0
    print(f"{'call':28s} {'audio':>6s} {'wall':>6s} {'RTF':>6s} "
          + " ".join(f"{s[:6]:>6s}" for s in STAGES) + f" {'fw':>6s} {'ratio':>6s}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            start = time.perf_counter()
            report = analyse(path, rubric=rubric, options=options)
            rendered = time.perf_counter()
            render_report(report, Path(tmp), ("json", "html", "md"), language=None, audio=path)
            end = time.perf_counter()
            stages = {**report.timings, "report": end - rendered}
            alone = whisper_alone(path, beam=args.beam, threads=args.threads)
            wall = end - start
            for s in STAGES:
                totals[s] += stages.get(s, 0.0)
            audio_s, wall_s, alone_s = audio_s + report.duration_s, wall_s + wall, alone_s + alone
            print(f"{path.stem[:28]:28s} {report.duration_s:6.1f} {wall:6.2f} "
                  f"{wall / report.duration_s:6.3f} "
                  + " ".join(f"{stages.get(s, 0.0):6.2f}" for s in STAGES)
                  + f" {alone:6.2f} {wall / alone:6.2f}", flush=True)
    share = {s: totals[s] / wall_s for s in STAGES}
    print(f"\n{len(files)} calls, {audio_s / 60:.1f} min of audio in {wall_s:.1f} s: "
          f"RTF {wall_s / audio_s:.3f} (faster-whisper alone {alone_s / audio_s:.3f}); "
          f"pipeline / faster-whisper alone = {wall_s / alone_s:.2f}")
    print("share of wall time: " + ", ".join(f"{s} {100 * v:.1f} %" for s, v in share.items()))
    print(f"everything but ASR: {100 * (1 - share['asr']):.1f} % of wall time; "
          f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
