"""OCR time per ID-card photo on this machine: p50/p95 over generated photos.

Two figures per photo variant:
- full: decode the JPEG, find the card and straighten it, OCR, parse (what a worker waits for);
- baseline: the engine alone on the card image as drawn (no decoding, no card finding), to
  show what the pipeline around the engine costs.

Usage: .venv/bin/python bench/bench_ocr.py [--rounds N] [--json out.json]
Needs the CJK font (fonts-noto-cjk) to draw the cards.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from xinghuo.identity.ocr import read_id_card  # noqa: E402
from xinghuo.identity.ocr.rapid import RapidOcrEngine  # noqa: E402
from xinghuo.identity.tests.cards import (  # noqa: E402
    PEOPLE,
    VARIANTS,
    card_photo,
    draw_card,
    font_available,
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 0.5)),
        "p95_ms": round(percentile(ms, 0.95)),
        "mean_ms": round(statistics.fmean(ms)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="photos per person and variant")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    if not font_available():
        sys.exit("the CJK font is missing: apt-get install fonts-noto-cjk")

    engine = RapidOcrEngine()
    started = time.perf_counter()
    engine.read(draw_card(PEOPLE[0]))  # loads the models
    load_s = time.perf_counter() - started

    results: dict[str, object] = {}
    correct = total = 0
    all_full: list[float] = []
    baseline: list[float] = []
    cards = [draw_card(p) for p in PEOPLE]
    for variant in VARIANTS:
        times: list[float] = []
        for person_i, person in enumerate(PEOPLE):
            for r in range(args.rounds):
                data = card_photo(person, variant, seed=100 * person_i + r)
                t = time.perf_counter()
                fields = read_id_card(data, engine=engine).fields
                times.append((time.perf_counter() - t) * 1000)
                total += 1
                correct += (fields.id_number, fields.name, fields.address) == (
                    person.id_number,
                    person.name,
                    person.address,
                )
                # Interleaved with the full runs, so that both see the same machine load.
                t = time.perf_counter()
                engine.read(cards[person_i])
                baseline.append((time.perf_counter() - t) * 1000)
        results[variant] = summary(times)
        all_full += times
        print(f"{variant:15s} {results[variant]}", flush=True)

    results["all_photos"] = summary(all_full)
    results["engine_only_baseline"] = summary(baseline)
    results["model_load_s"] = round(load_s, 2)
    results["fields_correct"] = f"{correct}/{total}"
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}"
    results["load_average_1m"] = round(os.getloadavg()[0], 1)
    print(f"{'all photos':15s} {results['all_photos']}")
    print(f"{'engine only':15s} {results['engine_only_baseline']}")
    print(f"model load {load_s:.2f} s; name+number+address right on {correct}/{total} photos")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
