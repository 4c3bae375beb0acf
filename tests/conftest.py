"""Shared fixtures: synthetic signals for the audio stages (no Whisper needed)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.transcript import AGENT, CUSTOMER, Transcript, Turn, gaps_from_turns

SR = 16_000


def burst(seconds: float, *, seed: int, level: float = 0.3, tilt: float = 0.0) -> np.ndarray:
    """Speech-like noise: band-limited noise with a 4 Hz syllable envelope.

    `tilt` colours the spectrum so two "voices" differ the way two speakers do.
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    noise = rng.normal(size=n)
    spectrum = np.fft.rfft(noise)
    freqs = np.fft.rfftfreq(n, 1 / SR)
    shape = ((freqs > 300) & (freqs < 3400)) * (1 + tilt * np.log((freqs + 50) / 1000))
    colored = np.fft.irfft(spectrum * np.clip(shape, 0, None), n)
    t = np.arange(n) / SR
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t) ** 2
    out = colored / (np.abs(colored).max() + 1e-9) * envelope * level
    return out.astype(np.float32)


def timeline(parts: list[tuple[float, np.ndarray | None]], total_s: float, *,
             noise: float = 0.001, seed: int = 0) -> np.ndarray:
    """Place signals at given start times on a faint noise floor."""
    rng = np.random.default_rng(seed)
    out = rng.normal(scale=noise, size=int(total_s * SR)).astype(np.float32)
    for start, signal in parts:
        if signal is not None:
            i = int(start * SR)
            out[i:i + len(signal)] += signal
    return out


@pytest.fixture
def sr() -> int:
    return SR


def call(*lines: tuple[str, str], language: str = "fr") -> Transcript:
    """A transcript from ("A"|"C", text) lines, 0.5 s apart (so no silence gaps)."""
    turns, t = [], 0.0
    for who, text in lines:
        dur = max(1.0, 0.35 * len(text.split()))
        turns.append(Turn(AGENT if who == "A" else CUSTOMER, round(t, 2), round(t + dur, 2), text))
        t += dur + 0.5
    return Transcript(turns=tuple(turns), language=language, duration_s=t,
                      gaps=gaps_from_turns(turns))


# A short French call as transcript JSON: an input that scores in a second, without Whisper.
CALL_JSON = {
    "language": "fr",
    "turns": [
        {"speaker": "agent", "start": 0.5, "end": 3.0,
         "text": "Bonjour, vous êtes bien chez Luminus, Sophie à l'appareil."},
        {"speaker": "customer", "start": 3.5, "end": 6.0,
         "text": "Bonjour, j'ai un problème avec ma facture."},
        {"speaker": "agent", "start": 6.5, "end": 9.0,
         "text": "Merci. Je vous remercie de votre appel, bonne journée, au revoir."},
    ],
}
