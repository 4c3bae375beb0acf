#!/usr/bin/env python3
"""Check that the rendered sample calls are intelligible to Whisper.

Transcribes every ``audio/<call_id>.*`` listed in ``truth/`` with faster-whisper (language forced
to the call's language, word timestamps on) and prints a word error rate against the script,
for the whole call and, with ``--turns``, per scripted turn (hypothesis words are given to the
turn whose span holds their midpoint).  A synthetic-voice call far above ~25 % WER is a voice or
wording problem in its script, not something the pipeline should be asked to cope with.

    python sample_calls/check_asr.py --model /path/to/whisper-base-ct2 [--turns] [--vad] [CALL_ID ...]

Needs faster-whisper (a project dependency) and a CTranslate2 Whisper model directory.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Spoken forms that Whisper tends to write as symbols; mapped back so they are not counted as errors.
SYMBOLS = {
    "fr": {"@": " arobase ", "%": " pour cent ", "€": " euros "},
    "nl": {"@": " apenstaartje ", "%": " procent ", "€": " euro "},
    "en": {"@": " at ", "%": " percent ", "€": " euros "},
}
DOT_WORD = {"fr": " point ", "nl": " punt ", "en": " dot "}
# Whisper writes small numbers either way ("trois" / "3"); count both as the same word.
# "un"/"one"/"een" are left alone: they are articles far more often than numbers.
NUMBER_WORDS = {
    "fr": "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
    "dix-sept dix-huit dix-neuf vingt",
    "nl": "twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien vijftien "
    "zestien zeventien achttien negentien twintig",
    "en": "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty",
}
NUMBERS = {lang: {w: str(i) for i, w in enumerate(words.split(), 2)} for lang, words in NUMBER_WORDS.items()}


def normalise(text: str, language: str) -> list[str]:
    """Lower-case words without punctuation or accents; runs of digit groups become one token."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"(?<=[a-z])\.(?=[a-z])", DOT_WORD.get(language, " "), text)  # e-mail dots
    numbers = NUMBERS.get(language, {})
    text = re.sub(r"[\w-]+", lambda m: numbers.get(m.group(0), m.group(0)), text)
    for sym, word in SYMBOLS.get(language, {}).items():
        text = text.replace(sym, word)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = re.sub(r"(?<=\d)[\s.,-]+(?=\d)", "", text)  # "41 23 08" / "412-308" -> "412308"
    return re.findall(r"[a-z0-9]+", text)


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def wer(ref: list[str], hyp: list[str]) -> float:
    return edit_distance(ref, hyp) / max(1, len(ref))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls", nargs="*", help="call ids (default: all)")
    parser.add_argument("--model", required=True, help="CTranslate2 Whisper model directory")
    parser.add_argument("--turns", action="store_true", help="print the WER of every turn")
    parser.add_argument("--vad", action="store_true", help="let faster-whisper skip non-speech (Silero VAD)")
    parser.add_argument("--max-wer", type=float, default=0.25, help="exit 1 if a call is above this")
    args = parser.parse_args(argv)

    from faster_whisper import WhisperModel

    model = WhisperModel(args.model, device="cpu", compute_type="int8")
    truths = sorted((HERE / "truth").glob("*.json"))
    if args.calls:
        truths = [t for t in truths if t.stem in set(args.calls)]
    worst = 0.0
    for path in truths:
        truth = json.loads(path.read_text(encoding="utf-8"))
        lang = truth["language"]
        segments, _ = model.transcribe(
            str(HERE / truth["audio"]), language=lang, word_timestamps=True, beam_size=5,
            condition_on_previous_text=False, vad_filter=args.vad,
        )
        words = [w for s in segments for w in (s.words or [])]
        ref = [w for t in truth["turns"] for w in normalise(t["text"], lang)]
        hyp = [w for w in normalise("".join(w.word for w in words), lang)]
        call_wer = wer(ref, hyp)
        worst = max(worst, call_wer)
        print(f"{truth['call_id']:<24} WER {call_wer:6.1%}  ({len(ref)} ref words, {len(hyp)} hyp words)")
        if args.turns:
            for turn in truth["turns"]:
                inside = "".join(
                    w.word for w in words if turn["start"] - 0.25 <= (w.start + w.end) / 2 <= turn["end"] + 0.25
                )
                t_ref, t_hyp = normalise(turn["text"], lang), normalise(inside, lang)
                print(f"    {wer(t_ref, t_hyp):5.0%} {turn['speaker']:<8} {turn['text']}")
                if t_ref != t_hyp:
                    print(f"    {'':5} {'heard':<8} {inside.strip()}")
    return 0 if worst <= args.max_wer else 1


if __name__ == "__main__":
    sys.exit(main())
