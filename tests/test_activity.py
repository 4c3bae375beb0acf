import numpy as np
import pytest

from conftest import SR, burst, timeline
from pipeline.activity import detect_activity, find_gaps


def _spans(activity):
    return [(r.start, r.end) for r in activity.regions]


def test_energy_regions_follow_the_speech_on_a_noisy_floor():
    signal = timeline([(0.5, burst(2.0, seed=1)), (4.0, burst(1.5, seed=2))], 7.0, noise=0.003)
    (act,) = detect_activity((signal,), SR)
    spans = _spans(act)
    assert len(spans) == 2
    assert spans[0][0] == pytest.approx(0.5, abs=0.1) and spans[0][1] == pytest.approx(2.5, abs=0.1)
    assert spans[1][0] == pytest.approx(4.0, abs=0.1) and spans[1][1] == pytest.approx(5.5, abs=0.1)


def test_quiet_channel_is_still_found_thresholds_adapt_to_the_recording():
    # A whole call 30 dB quieter than usual: a fixed dBFS threshold would drop every turn.
    signal = timeline([(0.5, burst(2.0, seed=1, level=0.01))], 4.0, noise=0.0001)
    (act,) = detect_activity((signal,), SR)
    assert len(act.regions) == 1 and act.regions[0].duration == pytest.approx(2.0, abs=0.15)


def test_silence_only_has_no_regions():
    (act,) = detect_activity((timeline([], 5.0, noise=0.002),), SR)
    assert act.regions == ()


def test_stereo_crosstalk_is_not_a_turn_and_gaps_use_both_channels():
    agent = burst(2.0, seed=1)
    customer = burst(1.5, seed=2, tilt=0.8)
    leak = 0.05  # -26 dB: the other party heard faintly through the agent's headset
    ch0 = timeline([(0.5, agent), (6.5, leak * customer)], 9.0, seed=3)
    ch1 = timeline([(0.5, leak * agent), (6.5, customer)], 9.0, seed=4)
    a0, a1 = detect_activity((ch0, ch1), SR)
    assert len(a0.regions) == 1 and a0.regions[0].start == pytest.approx(0.5, abs=0.1)
    assert len(a1.regions) == 1 and a1.regions[0].start == pytest.approx(6.5, abs=0.1)
    (gap,) = find_gaps((a0, a1), min_gap_s=2.0)
    assert gap.start == pytest.approx(2.5, abs=0.15) and gap.end == pytest.approx(6.5, abs=0.15)


def test_overlapping_speech_is_kept_on_both_channels():
    ch0 = timeline([(0.5, burst(3.0, seed=1))], 5.0, seed=3)
    ch1 = timeline([(2.0, burst(1.5, seed=2, tilt=0.8))], 5.0, seed=4)
    a0, a1 = detect_activity((ch0, ch1), SR)
    assert a1.regions and a1.regions[0].start == pytest.approx(2.0, abs=0.15)


def test_short_gaps_are_not_silences():
    signal = timeline([(0.5, burst(1.0, seed=1)), (3.2, burst(1.0, seed=2))], 5.0)
    acts = detect_activity((signal,), SR)
    assert find_gaps(acts, min_gap_s=2.0) == ()
    assert len(find_gaps(acts, min_gap_s=1.0)) == 1


def test_agent_starting_over_the_customer_is_an_overlap_credited_to_the_agent():
    from dataclasses import replace

    from pipeline.activity import find_overlaps
    from pipeline.transcript import Transcript, with_speakers

    leak = 0.03
    customer = burst(4.0, seed=2, tilt=0.8)
    agent = burst(3.0, seed=1)
    # Customer talks 1.0–5.0; the agent starts at 3.5, 1.5 s before the customer stops.
    # A short "oui" from the customer at 7.0, over the agent, is an overlap but no interruption.
    oui = burst(0.35, seed=5, tilt=0.8)
    ch0 = timeline([(3.5, agent), (1.0, leak * customer), (7.0, leak * oui)], 9.0, seed=3)
    ch1 = timeline([(1.0, customer), (3.5, leak * agent), (7.0, oui)], 9.0, seed=4)
    a0, a1 = detect_activity((ch0, ch1), SR)
    overlaps = find_overlaps((a0, a1), ("ch0", "ch1"))
    first = overlaps[0]
    assert (first.by, first.over) == ("ch0", "ch1")
    assert first.start == pytest.approx(3.5, abs=0.1) and first.end == pytest.approx(5.0, abs=0.15)
    t = with_speakers(Transcript(turns=(), overlaps=overlaps), {"ch0": "agent", "ch1": "customer"},
                      "test")
    (interruption,) = t.interruptions()
    assert interruption.duration >= 1.0 and interruption.by == "agent"
    assert not t.interruptions(by="customer", over="agent")
    assert replace(t, overlaps=()).interruptions() == ()


def test_no_overlaps_on_mono():
    from pipeline.activity import find_overlaps

    (act,) = detect_activity((timeline([(0.5, burst(2.0, seed=1))], 4.0),), SR)
    assert find_overlaps((act,), ("spk0",)) == ()


def test_overlaps_survive_the_json_transcript(tmp_path):
    import json

    from pipeline.transcript import (Overlap, Transcript, Turn, load_transcript, to_json_dict)

    t = Transcript(turns=(Turn("agent", 0.0, 3.0, "Bonjour"), Turn("customer", 2.0, 4.0, "Oui")),
                   overlaps=(Overlap(2.0, 3.0, by="customer", over="agent"),))
    path = tmp_path / "call.json"
    path.write_text(json.dumps(to_json_dict(t)), encoding="utf-8")
    assert load_transcript(path).overlaps == t.overlaps
