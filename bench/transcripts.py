"""Analyse a 500-utterance session end to end; print seconds and utterances per second.

Run: python bench/transcripts.py [--utterances 500] [--repeat 3]
Target (issue 7): at most 1 s per 500-utterance session on a developer's CPU.
"""

from __future__ import annotations

import argparse
import random
import time

from alliance.transcripts import analyze_transcript
from alliance.transcripts.classifiers import load_models

PRACTITIONER = [
    "What brings you here today?",
    "So you feel stuck between wanting to cut down and enjoying the evenings.",
    "How did the week go with the plan we made?",
    "Many people find that keeping a diary helps them notice patterns.",
    "You're worried about what your doctor said.",
    "Would it be okay if I shared some information about sleep?",
    "Tell me more about what happens on those evenings.",
    "Mm-hmm.",
]
CLIENT = [
    "I guess I want to drink less, mostly for my kids.",
    "Yeah.",
    "I don't know, it's just how I unwind after work (...) you know.",
    "I tried cutting down last month and it was really hard.",
    "My wife thinks it's a problem but I don't really see it.",
    "I'm fine, really.",
    "I want to be healthier before the summer.",
    "That won't work for me, I already tried that.",
]


def session(n: int, seed: int = 7) -> str:
    """A Dresing & Pehl style session of ``n`` turns with time stamps and pauses."""
    rng = random.Random(seed)
    lines, t = [], 0.0
    for i in range(n):
        speaker, pool = ("T", PRACTITIONER) if i % 2 == 0 else ("C", CLIENT)
        t += rng.uniform(2.0, 12.0)
        clock = (
            f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{int(t % 60):02d}-{int(t * 10) % 10}"
        )
        lines.append(f"{speaker}: {rng.choice(pool)} #{clock}#\n")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = session(args.utterances)

    t0 = time.perf_counter()
    load_models()
    load_s = time.perf_counter() - t0
    print(f"model load (once per process): {load_s:.3f} s")

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = analyze_transcript(text)
        times.append(time.perf_counter() - t0)
    n = len(result.utterances)
    best, worst = min(times), max(times)
    print(f"utterances: {n}; candidates: {len(result.candidates)}")
    print(f"analyse end to end: best {best:.3f} s, worst {worst:.3f} s over {args.repeat} runs")
    print(f"utterances per second: {n / best:.0f}")
    print(f"first call including model load: {load_s + times[0]:.3f} s")


if __name__ == "__main__":
    main()
