#!/usr/bin/env python3
"""Render the diarisation evaluation set: two-party phone calls with RTTM references.

Deterministic (fixed seed, same TTS packages -> same files).  Each call is rendered twice from
the same timeline: ``audio/stereo/<id>.wav`` (agent side on one channel, customer on the other,
each channel leaking faintly into the other) and ``audio/mono/<id>.wav`` (one mix).  The
reference ``references/<id>.rttm`` is written from the timeline itself, so it is exact: a turn
starts and ends on its first and last audible sample.  ``references/manifest.json`` says how
each call was made (voices, format, noise, leak, overlaps).

What varies, call by call (seeded): language (fr, en, nl), the voices (pico2wave, espeak-ng
with mbrola voices at several pitches and speeds, sox pitch shifts; espeak-ng's own formant
voices are left out: Whisper base transcribes almost none of their French, so they measured
the ASR, not the diarisation), same-gender pairs,
8 kHz PCM or A-law, telephone band, noise level, speaker levels, cross-talk level, pauses,
backchannels said over the other's turn, the agent starting over the customer for more than
a second, a dead-air gap, and a transfer to a third speaker (labelled agent side).

    .venv/bin/python bench/diarisation/generate.py            # every call (audio + references)
    .venv/bin/python bench/diarisation/generate.py --only-references

Needs espeak-ng, mbrola (fr1 fr4 nl2 us1 en1), libttspico-utils and sox (see
sample_calls/generate.py for the Debian packages), and numpy + soundfile.  The audio stays out
of git (about 25 MB); the references are small and committed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dialogues import BACKCHANNELS, SLOTS, TEMPLATES  # noqa: E402

HERE = Path(__file__).resolve().parent
AUDIO = HERE / "audio"
REFERENCES = HERE / "references"

SEED = 20251122
N_CALLS = 24
SR = 8000
SPEECH_DBFS = -20.0
PEAK_MAX = 0.89
TRIM_DB = -40.0
FADE_S = 0.003
TELEPHONE_BAND = ["highpass", "300", "sinc", "-3400"]


@dataclass(frozen=True)
class Voice:
    name: str
    gender: str                  # "f" | "m": pairs of one gender are the hard case
    engine: str                  # "pico" | "espeak"
    lang: str = ""               # pico language or espeak voice
    speed: int = 0
    pitch: int = -1
    sox: tuple[str, ...] = ()


VOICES = {
    "fr": [
        Voice("pico-fr", "f", "pico", "fr-FR"),
        Voice("pico-fr-low", "m", "pico", "fr-FR", sox=("pitch", "-450", "tempo", "0.96")),
        Voice("mb-fr1", "m", "espeak", "mb-fr1", speed=155, pitch=45),
        Voice("mb-fr1-high", "m", "espeak", "mb-fr1", speed=170, pitch=70),
        Voice("mb-fr4", "f", "espeak", "mb-fr4", speed=150, pitch=55),
        Voice("mb-fr4-low", "f", "espeak", "mb-fr4", speed=165, pitch=30),
        Voice("pico-fr-high", "f", "pico", "fr-FR", sox=("pitch", "200", "tempo", "1.05")),
    ],
    "en": [
        Voice("pico-us", "f", "pico", "en-US"),
        Voice("pico-gb", "f", "pico", "en-GB"),
        Voice("pico-gb-low", "m", "pico", "en-GB", sox=("pitch", "-500", "tempo", "0.95")),
        Voice("mb-us1", "f", "espeak", "mb-us1", speed=150, pitch=55),
        Voice("mb-en1", "m", "espeak", "mb-en1", speed=150, pitch=45),
        Voice("mb-en1-high", "m", "espeak", "mb-en1", speed=165, pitch=70),
        Voice("pico-us-low", "m", "pico", "en-US", sox=("pitch", "-400", "tempo", "0.97")),
        Voice("mb-us1-low", "f", "espeak", "mb-us1", speed=165, pitch=30),
    ],
    "nl": [
        Voice("mb-nl2", "m", "espeak", "mb-nl2", speed=150, pitch=45),
        Voice("mb-nl2-high", "m", "espeak", "mb-nl2", speed=165, pitch=75),
        Voice("mb-nl2-up", "f", "espeak", "mb-nl2", speed=160, pitch=60,
              sox=("pitch", "500")),
    ],
}


@dataclass(frozen=True)
class Segment:
    speaker: str                 # agent | customer | agent.colleague
    start: float
    end: float
    text: str
    kind: str = "turn"           # turn | backchannel | interruption


@dataclass(frozen=True)
class CallSpec:
    call_id: str
    language: str
    template: int
    voices: dict[str, str]
    same_gender: bool
    format: str                  # pcm16 | alaw
    agent_channel: int
    noise_dbfs: float
    leak_db: float
    gains_db: dict[str, float]
    backchannels: int
    interruption: bool
    dead_air_s: float
    segments: list[Segment] = field(default_factory=list)


# --------------------------------------------------------------------------- synthesis


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({done.returncode}): {done.stderr.strip()}")


def synthesise(text: str, voice: Voice, workdir: Path) -> np.ndarray:
    raw, tel = workdir / "raw.wav", workdir / "tel.wav"
    if voice.engine == "pico":
        _run(["pico2wave", "-l", voice.lang, "-w", str(raw), text])
    else:
        cmd = ["espeak-ng", "-v", voice.lang, "-a", "60", "-w", str(raw)]
        if voice.speed:
            cmd += ["-s", str(voice.speed)]
        if voice.pitch >= 0:
            cmd += ["-p", str(voice.pitch)]
        _run(cmd + ["--", text])
    _run(["sox", "-D", str(raw), "-e", "floating-point", "-b", "32", "-r", str(SR), "-c", "1",
          str(tel)] + list(voice.sox) + TELEPHONE_BAND)
    samples, sr = sf.read(tel, dtype="float32")
    assert sr == SR
    return samples


def _envelope(x: np.ndarray, win: int) -> np.ndarray:
    return np.sqrt(np.convolve(x.astype(np.float64) ** 2, np.ones(win) / win, mode="same"))


def trim(x: np.ndarray) -> np.ndarray:
    env = _envelope(x, int(0.005 * SR))
    loud = np.flatnonzero(env >= env.max() * 10 ** (TRIM_DB / 20))
    y = x[loud[0]: loud[-1] + 1].copy()
    n = int(FADE_S * SR)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))
    y[:n] *= ramp
    y[-n:] *= ramp[::-1]
    return y


def level(x: np.ndarray, gain_db: float) -> np.ndarray:
    env = _envelope(x, int(0.02 * SR))
    active = x[env >= env.max() * 10 ** (TRIM_DB / 20)]
    rms = float(np.sqrt(np.mean(active.astype(np.float64) ** 2)))
    y = x * (10 ** ((SPEECH_DBFS + gain_db) / 20) / rms)
    peak = float(np.max(np.abs(y)))
    if peak > PEAK_MAX:
        y *= PEAK_MAX / peak
    return y.astype(np.float32)


# --------------------------------------------------------------------------- planning


def plan(index: int) -> tuple[CallSpec, list[tuple[str, str, str]]]:
    """The call's settings and its lines (speaker, text, kind) before timing."""
    rng = np.random.default_rng([SEED, index])
    template = index % len(TEMPLATES)
    language, lines = TEMPLATES[template]
    pool = VOICES[language]
    same_gender = index % 3 == 1  # a third of the calls: two voices of one gender
    agent = pool[int(rng.integers(len(pool)))]
    others = [v for v in pool if v.name != agent.name and v.lang != agent.lang
              and (v.gender == agent.gender) == same_gender]
    if not others:  # a language without a same-gender alternative: any other voice
        others = [v for v in pool if v.lang != agent.lang] or \
                 [v for v in pool if v.name != agent.name]
    customer = others[int(rng.integers(len(others)))]
    voices = {"agent": agent.name, "customer": customer.name}
    if any(who == "K" for who, _ in lines):
        rest = [v for v in pool if v.lang not in (agent.lang, customer.lang)] or \
               [v for v in pool if v.name not in (agent.name, customer.name)]
        voices["agent.colleague"] = rest[int(rng.integers(len(rest)))].name
    slots = {key: values[int(rng.integers(len(values)))] for key, values in SLOTS[language].items()}
    who = {"A": "agent", "C": "customer", "K": "agent.colleague"}
    filled = [(who[w], text.format(**slots), "turn") for w, text in lines]
    spec = CallSpec(
        call_id=f"dia_{index + 1:02d}_{language}", language=language, template=template,
        voices=voices, same_gender=same_gender,
        format="alaw" if index % 2 == 0 else "pcm16",
        agent_channel=int(rng.integers(2)),
        noise_dbfs=float(rng.choice([-60.0, -52.0, -46.0, -42.0])),
        leak_db=float(rng.uniform(-34.0, -22.0)),
        gains_db={k: float(rng.uniform(-4.0, 3.0)) for k in voices},
        backchannels=int(rng.integers(0, 3)),
        interruption=index % 4 == 2,
        dead_air_s=float(rng.uniform(2.5, 4.0)) if index % 5 == 3 else 0.0)
    return spec, filled


def render(index: int, workdir: Path, *, write_audio: bool) -> CallSpec:
    spec, lines = plan(index)
    rng = np.random.default_rng([SEED, index, zlib.crc32(b"timeline")])
    voice_of = {v.name: v for v in VOICES[spec.language]}
    tracks_len = 0
    clips: list[tuple[str, int, np.ndarray]] = []
    segments: list[Segment] = []
    cursor = 0.0
    interrupted = False
    dead_air_at = len(lines) // 2 if spec.dead_air_s else -1
    for n, (speaker, text, kind) in enumerate(lines):
        voice = voice_of[spec.voices[speaker]]
        clip = level(trim(synthesise(text, voice, workdir)), spec.gains_db[speaker])
        previous = segments[-1] if segments else None
        if n == 0:
            start = float(rng.uniform(0.3, 0.8))
        elif n == dead_air_at:
            start = cursor + spec.dead_air_s
        elif (spec.interruption and not interrupted and speaker == "agent" and previous
              and previous.speaker == "customer" and previous.end - previous.start > 3.0):
            # The agent starts over the customer's last words for more than a second.
            start = previous.end - float(rng.uniform(1.2, 1.7))
            kind = "interruption"
            interrupted = True
        elif rng.random() < 0.2:
            start = cursor + float(rng.uniform(0.12, 0.3))   # quick reply
        else:
            start = cursor + float(rng.uniform(0.35, 0.9))
        first = round(start * SR)
        clips.append((speaker, first, clip))
        end = (first + len(clip)) / SR
        segments.append(Segment(speaker, first / SR, end, text, kind))
        cursor = max(cursor, end)
    # Backchannels over the other party's long turns ("oui", "okay" while they explain).
    long_turns = [s for s in segments if s.end - s.start > 4.0 and s.speaker != "customer"]
    for s in [long_turns[i] for i in sorted(rng.permutation(len(long_turns))[:spec.backchannels])]:
        text = BACKCHANNELS[spec.language][int(rng.integers(len(BACKCHANNELS[spec.language])))]
        voice = voice_of[spec.voices["customer"]]
        clip = level(trim(synthesise(text, voice, workdir)), spec.gains_db["customer"] - 2.0)
        first = round((s.start + (s.end - s.start) * float(rng.uniform(0.45, 0.7))) * SR)
        clips.append(("customer", first, clip))
        segments.append(Segment("customer", first / SR, (first + len(clip)) / SR, text,
                                "backchannel"))
    segments.sort(key=lambda s: s.start)
    spec = CallSpec(**{**asdict(spec), "segments": segments})
    if not write_audio:
        return spec
    tracks_len = round((max(s.end for s in segments) + float(rng.uniform(0.4, 0.9))) * SR)
    side = {"agent": np.zeros(tracks_len, np.float32), "customer": np.zeros(tracks_len, np.float32)}
    for speaker, first, clip in clips:
        side["customer" if speaker == "customer" else "agent"][first: first + len(clip)] += clip
    noise = 10 ** (spec.noise_dbfs / 20)
    leak = 10 ** (spec.leak_db / 20)
    # Leakage arrives a few ms late and duller (through the handset and the hybrid).
    delay = int(rng.integers(8, 40))
    agent_ch = side["agent"] + leak * _dull(np.roll(side["customer"], delay))
    customer_ch = side["customer"] + leak * _dull(np.roll(side["agent"], delay))
    chans = [None, None]
    chans[spec.agent_channel], chans[1 - spec.agent_channel] = agent_ch, customer_ch
    stereo = np.stack(chans, axis=1)
    stereo += rng.standard_normal(stereo.shape).astype(np.float32) * noise
    mono = side["agent"] + side["customer"]
    mono += rng.standard_normal(mono.shape).astype(np.float32) * noise
    subtype = "ALAW" if spec.format == "alaw" else "PCM_16"
    for folder, data in (("stereo", stereo), ("mono", mono)):
        peak = float(np.max(np.abs(data)))
        if peak > 0.99:
            data = data * (0.99 / peak)
        (AUDIO / folder).mkdir(parents=True, exist_ok=True)
        sf.write(AUDIO / folder / f"{spec.call_id}.wav", data, SR, format="WAV", subtype=subtype)
    return spec


def _dull(x: np.ndarray) -> np.ndarray:
    kernel = np.ones(4, dtype=np.float32) / 4
    return np.convolve(x, kernel, mode="same").astype(np.float32)


def rttm(spec: CallSpec) -> str:
    return "".join(f"SPEAKER {spec.call_id} 1 {s.start:.3f} {s.end - s.start:.3f} <NA> <NA> "
                   f"{s.speaker} <NA> <NA>\n" for s in spec.segments)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only-references", action="store_true",
                        help="write the RTTM references and manifest, not the audio")
    parser.add_argument("--calls", type=int, default=N_CALLS)
    args = parser.parse_args(argv)
    missing = [t for t in ("pico2wave", "espeak-ng", "sox") if shutil.which(t) is None]
    if missing:
        print(f"missing tools: {', '.join(missing)}", file=sys.stderr)
        return 2
    REFERENCES.mkdir(exist_ok=True)
    manifest = []
    with tempfile.TemporaryDirectory(prefix="callqa-dia-") as tmp:
        for index in range(args.calls):
            spec = render(index, Path(tmp), write_audio=not args.only_references)
            (REFERENCES / f"{spec.call_id}.rttm").write_text(rttm(spec), encoding="utf-8")
            row = asdict(spec)
            row["segments"] = len(spec.segments)
            row["speech_s"] = round(sum(s.end - s.start for s in spec.segments), 2)
            row["duration_s"] = round(max(s.end for s in spec.segments), 2)
            manifest.append(row)
            print(f"{spec.call_id}  {row['duration_s']:5.1f} s  {', '.join(spec.voices.values())}"
                  f"{'  same-gender' if spec.same_gender else ''}  {spec.format}"
                  f"{'  interruption' if spec.interruption else ''}"
                  f"{f'  {spec.backchannels} backchannels' if spec.backchannels else ''}")
    (REFERENCES / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
