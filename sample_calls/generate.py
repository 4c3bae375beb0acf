#!/usr/bin/env python3
"""Render the bundled sample calls from their scripts, with their ground truth.

Every ``scripts/<call_id>.yaml`` describes one fictional call: who speaks (agent or customer),
what they say, the pause before each turn, the voices, the output format and the statuses the
call is meant to get on each behaviour of ``/work/shared/behaviours.md`` (greeting,
identity_check, reformulation, objections, closing, silence).  This script turns each of them
into ``audio/<call_id>.<ext>`` and ``truth/<call_id>.json``.

Run it from anywhere (it is deterministic: same scripts + same TTS packages -> same files)::

    python sample_calls/generate.py                 # every script
    python sample_calls/generate.py fr_bank nl_parcel_delivery   # only these calls
    python sample_calls/generate.py --table         # also print the README table

Needs, on Debian/Ubuntu (mbrola and pico live in the contrib / non-free components; tested with
espeak-ng 1.51, sox 14.4.2)::

    apt-get install espeak-ng mbrola mbrola-fr1 mbrola-fr4 mbrola-nl2 libttspico-utils sox

and the Python packages numpy, soundfile (libsndfile >= 1.1 for MP3) and pyyaml.  To check the
result is intelligible to Whisper, run ``check_asr.py`` (see its docstring).

How a call is rendered:

1. each turn is synthesised on its own (pico2wave or espeak-ng/mbrola), passed through the
   voice's sox effects and the telephone chain
   (``sox … -r 8000 -c 1 … highpass 300 sinc -3400``, see TELEPHONE_BAND);
2. leading/trailing silence is cut, so a turn's start/end in the truth file is exactly where its
   first/last audible sample is;
3. turns are laid on a timeline with the script's pauses (default: a seeded 0.5-0.9 s);
4. each turn is normalised to the same active speech level, then a seeded white noise floor
   (-55 dBFS RMS) is added so silence is never digital zero;
5. stereo calls put each speaker on its own channel (the other channel carries only the noise
   floor at that time); mono calls sum both speakers.

Script keys: call_id (= file stem), language, sector, direction, output {format: wav_alaw |
wav_pcm16 | flac | mp3, channels: 1|2, agent_channel: 0|1 for stereo}, voices {agent, customer:
{engine: pico, lang} or {engine: espeak, voice, speed, pitch}, optional sox effects and gain_db},
tests (one line for the README), criteria, objections, rebuttals, optional lead_in / tail (s),
and turns [{speaker, text, pause (s, optional), gap: hold|dead_air (kind of the gap before this
turn, default dead_air), say (optional text given to the TTS instead of text)}].

Gaps in the truth file are every interval of at least 2 s between two consecutive turns; their
kind (``hold`` or ``dead_air``) comes from the script.  The generator refuses a script whose
``silence`` label disagrees with its gaps or whose ``objections`` label disagrees with the
objection/rebuttal counts.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import yaml

HERE = Path(__file__).resolve().parent

SEED = 20240611
SR = 8000
SPEECH_DBFS = -20.0  # active speech level of every turn (before the voice's gain_db)
NOISE_DBFS = -55.0  # RMS of the noise floor
PEAK_MAX = 0.89  # -1 dBFS
TRIM_DB = -40.0  # a turn starts/ends where its 5 ms envelope is within 40 dB of its maximum
FADE_S = 0.003
# Telephone channel: 2-pole high-pass at 300 Hz (-3 dB, then 12 dB/octave, ~28 dB down at 60 Hz,
# inside the G.712 mask) and a steep low-pass at 3400 Hz before decimation to 8 kHz.  A brick-wall
# `sinc 300-3400` would also be a valid channel, but it strips the fundamental of the male voices
# so completely that the Silero VAD shipped with faster-whisper misses most of their speech.
TELEPHONE_BAND = ["highpass", "300", "sinc", "-3400"]

# behaviours.md thresholds (silence)
GAP_MIN_S = 2.0
DEAD_AIR_PARTIAL_S = 3.0
DEAD_AIR_MAX_S = 5.0
HOLD_MAX_S = 60.0

FORMATS = {
    # name: (extension, soundfile format, soundfile subtype)
    "wav_alaw": ("wav", "WAV", "ALAW"),
    "wav_pcm16": ("wav", "WAV", "PCM_16"),
    "flac": ("flac", "FLAC", "PCM_16"),
    "mp3": ("mp3", "MP3", "MPEG_LAYER_III"),
}
STATUSES = {"met", "partial", "not_met", "not_applicable"}
CRITERIA = ("greeting", "identity_check", "reformulation", "objections", "closing", "silence")
CALL_KEYS = {
    "call_id", "language", "sector", "direction", "output", "voices", "tests", "criteria",
    "objections", "rebuttals", "lead_in", "tail", "turns",
}
TURN_KEYS = {"speaker", "text", "say", "pause", "gap"}
VOICE_KEYS = {"engine", "lang", "voice", "speed", "pitch", "amplitude", "sox", "gain_db"}


class ScriptError(ValueError):
    pass


@dataclass(frozen=True)
class Voice:
    engine: str  # "pico" | "espeak"
    lang: str | None = None  # pico language, e.g. fr-FR
    voice: str | None = None  # espeak-ng voice, e.g. mb-fr4
    speed: int | None = None  # espeak-ng words per minute
    pitch: int | None = None  # espeak-ng pitch 0-99
    amplitude: int = 60  # espeak-ng amplitude; mbrola saturates at the default 100
    sox: tuple[str, ...] = ()  # extra sox effects, e.g. ("pitch", "-350", "tempo", "1.05")
    gain_db: float = 0.0

    @classmethod
    def parse(cls, where: str, raw: dict) -> "Voice":
        unknown = set(raw) - VOICE_KEYS
        if unknown:
            raise ScriptError(f"{where}: unknown voice keys {sorted(unknown)}; valid: {sorted(VOICE_KEYS)}")
        engine = raw.get("engine")
        if engine not in ("pico", "espeak"):
            raise ScriptError(f"{where}: engine must be pico or espeak, not {engine!r}")
        if engine == "pico" and not raw.get("lang"):
            raise ScriptError(f"{where}: a pico voice needs lang (fr-FR, en-US, en-GB, ...)")
        if engine == "espeak" and not raw.get("voice"):
            raise ScriptError(f"{where}: an espeak voice needs voice (mb-fr4, mb-nl2, ...)")
        sox = raw.get("sox", "")
        return cls(
            engine=engine,
            lang=raw.get("lang"),
            voice=raw.get("voice"),
            speed=raw.get("speed"),
            pitch=raw.get("pitch"),
            amplitude=int(raw.get("amplitude", 60)),
            sox=tuple(str(sox).split()),
            gain_db=float(raw.get("gain_db", 0.0)),
        )


# --------------------------------------------------------------------------- synthesis


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} … failed ({done.returncode}): {done.stderr.strip()}")


def synthesise(text: str, voice: Voice, workdir: Path) -> np.ndarray:
    """One turn as float32 mono at 8 kHz, telephone band, not yet trimmed or levelled."""
    raw = workdir / "raw.wav"
    tel = workdir / "tel.wav"
    if voice.engine == "pico":
        _run(["pico2wave", "-l", voice.lang, "-w", str(raw), text])
    else:
        cmd = ["espeak-ng", "-v", voice.voice, "-a", str(voice.amplitude), "-w", str(raw)]
        if voice.speed:
            cmd += ["-s", str(voice.speed)]
        if voice.pitch is not None:
            cmd += ["-p", str(voice.pitch)]
        _run(cmd + ["--", text])
    # -D: no dither, so the output is bit-identical from run to run.
    _run(
        ["sox", "-D", str(raw), "-e", "floating-point", "-b", "32", "-r", str(SR), "-c", "1", str(tel)]
        + list(voice.sox)
        + TELEPHONE_BAND
    )
    samples, sr = sf.read(tel, dtype="float32")
    if sr != SR:
        raise RuntimeError(f"sox produced {sr} Hz instead of {SR}")
    return samples


def _envelope(x: np.ndarray, win: int) -> np.ndarray:
    power = np.convolve(x.astype(np.float64) ** 2, np.ones(win) / win, mode="same")
    return np.sqrt(power)


def trim(x: np.ndarray) -> np.ndarray:
    """Cut leading/trailing silence; the kept part starts and ends on audible speech."""
    env = _envelope(x, int(0.005 * SR))
    loud = np.flatnonzero(env >= env.max() * 10 ** (TRIM_DB / 20))
    y = x[loud[0] : loud[-1] + 1].copy()
    n = int(FADE_S * SR)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))
    y[:n] *= ramp
    y[-n:] *= ramp[::-1]
    return y


def level(x: np.ndarray, gain_db: float) -> np.ndarray:
    """Scale to SPEECH_DBFS of active speech (frames within 40 dB of the loudest), peak-limited."""
    env = _envelope(x, int(0.02 * SR))
    active = x[env >= env.max() * 10 ** (TRIM_DB / 20)]
    rms = float(np.sqrt(np.mean(active.astype(np.float64) ** 2)))
    y = x * (10 ** ((SPEECH_DBFS + gain_db) / 20) / rms)
    peak = float(np.max(np.abs(y)))
    if peak > PEAK_MAX:
        y *= PEAK_MAX / peak
    return y.astype(np.float32)


# --------------------------------------------------------------------------- scripts


def load_script(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = path.name
    unknown = set(data) - CALL_KEYS
    if unknown:
        raise ScriptError(f"{where}: unknown keys {sorted(unknown)}; valid: {sorted(CALL_KEYS)}")
    if data.get("call_id") != path.stem:
        raise ScriptError(f"{where}: call_id must be the file stem {path.stem!r}")
    out = data["output"]
    if out.get("format") not in FORMATS:
        raise ScriptError(f"{where}: output.format must be one of {sorted(FORMATS)}")
    if out.get("channels") not in (1, 2):
        raise ScriptError(f"{where}: output.channels must be 1 or 2")
    if out["channels"] == 2 and out.get("agent_channel") not in (0, 1):
        raise ScriptError(f"{where}: a stereo call needs agent_channel 0 or 1")
    crit = data["criteria"]
    if set(crit) != set(CRITERIA) or not set(crit.values()) <= STATUSES:
        raise ScriptError(f"{where}: criteria must give each of {CRITERIA} a status in {sorted(STATUSES)}")
    data["voices"] = {who: Voice.parse(f"{where} voices.{who}", v) for who, v in data["voices"].items()}
    if set(data["voices"]) != {"agent", "customer"}:
        raise ScriptError(f"{where}: voices must be given for agent and customer")
    for i, turn in enumerate(data["turns"]):
        unknown = set(turn) - TURN_KEYS
        if unknown:
            raise ScriptError(f"{where} turn {i}: unknown keys {sorted(unknown)}; valid: {sorted(TURN_KEYS)}")
        if turn.get("speaker") not in ("agent", "customer") or not turn.get("text"):
            raise ScriptError(f"{where} turn {i}: needs speaker agent|customer and text")
        if turn.get("gap", "dead_air") not in ("dead_air", "hold"):
            raise ScriptError(f"{where} turn {i}: gap must be dead_air or hold")
    return data


def check_labels(script: dict, gaps: list[dict]) -> None:
    """Refuse labels that contradict what the rendered call objectively contains."""
    where = script["call_id"]
    crit = script["criteria"]
    dead = max((g["end"] - g["start"] for g in gaps if g["kind"] == "dead_air"), default=0.0)
    hold = max((g["end"] - g["start"] for g in gaps if g["kind"] == "hold"), default=0.0)
    if dead >= DEAD_AIR_MAX_S or hold > HOLD_MAX_S:
        silence = "not_met"
    elif dead >= DEAD_AIR_PARTIAL_S:
        silence = "partial"
    else:
        silence = "met"
    if crit["silence"] != silence:
        raise ScriptError(f"{where}: silence is labelled {crit['silence']} but the gaps make it {silence}: {gaps}")
    n_obj, n_reb = script["objections"], script["rebuttals"]
    expected = "not_applicable" if n_obj == 0 else ("met" if n_reb >= n_obj and n_reb <= 3 else "not_met")
    if crit["objections"] != expected:
        raise ScriptError(f"{where}: objections labelled {crit['objections']} but {n_obj} objections / {n_reb} rebuttals make it {expected}")


# --------------------------------------------------------------------------- rendering


def render(script: dict, workdir: Path, root: Path = HERE) -> dict:
    call_id = script["call_id"]
    rng = np.random.default_rng([SEED, zlib.crc32(call_id.encode())])
    out = script["output"]
    stereo = out["channels"] == 2

    clips, turns = [], []
    cursor = 0.0
    for i, turn in enumerate(script["turns"]):
        voice = script["voices"][turn["speaker"]]
        clip = level(trim(synthesise(turn.get("say", turn["text"]), voice, workdir)), voice.gain_db)
        if i == 0:
            pause = float(script.get("lead_in", 0.4))
        elif "pause" in turn:
            pause = float(turn["pause"])
        else:
            pause = float(rng.uniform(0.5, 0.9))
        start = round((cursor + pause) * SR)
        clips.append((turn["speaker"], start, clip))
        cursor = (start + len(clip)) / SR
        turns.append(
            {"speaker": turn["speaker"], "start": start / SR, "end": cursor, "text": turn["text"].strip(),
             "_gap": turn.get("gap", "dead_air")}
        )

    gaps = []
    for prev, nxt in zip(turns, turns[1:]):
        if nxt["start"] - prev["end"] >= GAP_MIN_S:
            gaps.append({"start": round(prev["end"], 3), "end": round(nxt["start"], 3), "kind": nxt["_gap"]})
    check_labels(script, gaps)  # before writing anything

    total = round((cursor + float(script.get("tail", 0.6))) * SR)
    tracks = {"agent": np.zeros(total, np.float32), "customer": np.zeros(total, np.float32)}
    for speaker, start, clip in clips:
        tracks[speaker][start : start + len(clip)] += clip

    noise_rms = 10 ** (NOISE_DBFS / 20)
    if stereo:
        a = out["agent_channel"]
        chans = [None, None]
        chans[a], chans[1 - a] = tracks["agent"], tracks["customer"]
        mix = np.stack(chans, axis=1)
    else:
        mix = (tracks["agent"] + tracks["customer"])[:, None]
    mix = mix + rng.standard_normal(mix.shape).astype(np.float32) * noise_rms
    peak = float(np.max(np.abs(mix)))
    if peak > 0.99:  # cannot happen with PEAK_MAX and no overlap, but never clip silently
        mix *= 0.99 / peak

    ext, fmt, subtype = FORMATS[out["format"]]
    (root / "audio").mkdir(exist_ok=True)
    audio_path = root / "audio" / f"{call_id}.{ext}"
    kwargs = {"compression_level": 0.6} if fmt == "MP3" else {}
    sf.write(audio_path, mix if stereo else mix[:, 0], SR, format=fmt, subtype=subtype, **kwargs)

    truth = {
        "call_id": call_id,
        "audio": f"audio/{audio_path.name}",
        "language": script["language"],
        "channels": out["channels"],
        "agent_channel": out["agent_channel"] if stereo else None,
        "sector": script["sector"],
        "direction": script["direction"],
        "duration_s": round(total / SR, 3),
        "turns": [
            {"speaker": t["speaker"], "start": round(t["start"], 3), "end": round(t["end"], 3), "text": t["text"]}
            for t in turns
        ],
        "gaps": gaps,
        "criteria": dict(script["criteria"]),
        "objections": script["objections"],
        "rebuttals": script["rebuttals"],
    }
    (root / "truth").mkdir(exist_ok=True)
    (root / "truth" / f"{call_id}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return truth


def readme_table(rows: list[tuple[dict, dict]]) -> str:
    lines = [
        "| call | lang | sector / direction | channels | format | duration | greeting · identity · reformulation · objections · closing · silence | what it tests |",
        "|---|---|---|---|---|---|---|---|",
    ]
    short = {"met": "met", "partial": "partial", "not_met": "NOT met", "not_applicable": "n/a"}
    for script, truth in rows:
        out = script["output"]
        chans = f"stereo (agent ch{out['agent_channel']})" if out["channels"] == 2 else "mono"
        fmt = {"wav_alaw": "WAV A-law", "wav_pcm16": "WAV PCM16", "flac": "FLAC", "mp3": "MP3"}[out["format"]]
        crit = " · ".join(short[truth["criteria"][c]] for c in CRITERIA)
        tests = " ".join(str(script.get("tests", "")).split())
        lines.append(
            f"| `{truth['call_id']}` | {truth['language']} | {truth['sector']} / {truth['direction']} | {chans} | "
            f"{fmt} 8 kHz | {truth['duration_s']:.1f} s | {crit} | {tests} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls", nargs="*", help="call ids to render (default: every script)")
    parser.add_argument("--root", type=Path, default=HERE,
                        help="folder holding scripts/ (audio/ and truth/ are written there); "
                             "default: the bundled sample calls")
    parser.add_argument("--table", action="store_true", help="print the README table of the rendered calls")
    args = parser.parse_args(argv)

    missing = [t for t in ("pico2wave", "espeak-ng", "sox") if shutil.which(t) is None]
    if missing:
        print(f"missing tools: {', '.join(missing)} (see the docstring of {Path(__file__).name})", file=sys.stderr)
        return 2
    paths = sorted((args.root / "scripts").glob("*.yaml"))
    if args.calls:
        wanted = set(args.calls)
        paths = [p for p in paths if p.stem in wanted]
        if len(paths) != len(wanted):
            print(f"unknown call ids: {sorted(wanted - {p.stem for p in paths})}", file=sys.stderr)
            return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="callqa-samples-") as tmp:
        for path in paths:
            try:
                script = load_script(path)
                truth = render(script, Path(tmp), args.root)
            except ScriptError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            rows.append((script, truth))
            gaps = ", ".join(f"{g['kind']} {g['end'] - g['start']:.1f}s" for g in truth["gaps"]) or "no gap >= 2 s"
            print(f"{truth['call_id']:<24} {truth['duration_s']:6.2f} s  {len(truth['turns']):2d} turns  {gaps}")
    if args.table:
        print()
        print(readme_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
