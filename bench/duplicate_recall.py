"""Duplicate detection quality: recall and precision of the review queue on a labelled,
seeded benchmark of synthetic returnees (bench/returnee_names.py; no real people).

    python bench/duplicate_recall.py [--people 5000] [--each 150] [--seed 17]

`--people` first registrations, then, shuffled, `--each` re-registrations of every kind (each
with a new phone or none and a new document or none, and one way of changing the rest) and
`--each` look-alikes of every kind (namesakes, twins, siblings, parents and children). Every
registration goes through the real check in arrival order: the candidates sharing a blocking
key (converters.people.keys, as programmes/returnees/storage/duplicates.py looks them up), each
scored by converters.people.likeness, then registered. Prints, at the threshold of
forms/duplicates.json and two others: per kind, how many re-registrations were queued with the
person they repeat (recall) and how many pairs were queued wrongly; overall precision (pairs
queued that are the same person / pairs queued). No database: the scoring and blocking alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.returnee_names import People, Registration  # noqa: E402
from converters.people import SPREAD, keys, likeness, person  # noqa: E402


def registrations(people: int, each: int, seed: int) -> list[Registration]:
    source = People(seed)
    firsts = [source.first() for _ in range(people)]
    later: list[Registration] = []
    chosen: set[int] = set()
    for kind in People.KINDS:
        fitting = [r for r in firsts if source.fits(r, kind) and r.person not in chosen]
        for original in source.rng.sample(fitting, each):
            chosen.add(original.person)
            later.append(source.re_register(original, kind))
    for kind in People.NEGATIVES:
        for original in source.rng.sample(firsts, each):
            later.append(source.look_alike(original, kind))
    source.rng.shuffle(later)
    return firsts + later


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--each", type=int, default=150)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rules = json.loads((ROOT / "forms/duplicates.json").read_text(encoding="utf-8"))
    configured = float(rules.get("threshold", 0.8))
    thresholds = sorted({round(configured - 0.1, 2), configured, round(configured + 0.1, 2)})
    arriving = registrations(args.people, args.each, args.seed)

    index: dict[str, list[int]] = defaultdict(list)
    compared: list[object] = []
    pairs: list[tuple[int, int, float]] = []  # (registration, earlier registration, score)
    largest = 0
    started = time.perf_counter()
    for n, r in enumerate(arriving):
        someone = person(r.names, r.birth.isoformat(), r.phone, r.document)
        found = {m for key in keys(someone, spread=SPREAD) for m in index.get(key, ())}
        largest = max(largest, len(found))
        for m in found:
            pairs.append((n, m, likeness(someone, compared[m]).score))  # type: ignore[arg-type]
        compared.append(someone)
        for key in keys(someone):
            index[key].append(n)
    elapsed = time.perf_counter() - started

    kinds = ["first", *People.KINDS, *People.NEGATIVES]
    print(
        f"{len(arriving):,} registrations ({args.people:,} people, {args.each} of each kind of "
        f"re-registration and look-alike; seed {args.seed}); {len(pairs):,} pairs compared, "
        f"at most {largest} candidates for one, {elapsed / len(arriving) * 1e6:.0f} us each"
    )
    header = "| kind | registrations |" + "".join(
        f" recall @{t:.2f} | wrong pairs @{t:.2f} |" for t in thresholds
    )
    print(header)
    print("|" + " --- |" * (2 + 2 * len(thresholds)))
    totals = {t: [0, 0] for t in thresholds}  # right, wrong pairs queued
    repeats = {t: [0, 0] for t in thresholds}  # re-registrations queued with their person, all
    for kind in kinds:
        members = [n for n, r in enumerate(arriving) if r.kind == kind]
        member_set = set(members)
        row = f"| {kind} | {len(members):,} |"
        for t in thresholds:
            queued = [(n, m) for n, m, score in pairs if n in member_set and score >= t]
            right = {n for n, m in queued if arriving[n].person == arriving[m].person}
            wrong = sum(1 for n, m in queued if arriving[n].person != arriving[m].person)
            totals[t][0] += sum(1 for n, m in queued if arriving[n].person == arriving[m].person)
            totals[t][1] += wrong
            if kind in People.KINDS:
                repeats[t][0] += len(right)
                repeats[t][1] += len(members)
                row += f" {len(right) / len(members):.3f} | {wrong} |"
            else:
                row += f" - | {wrong} |"
        print(row)
    for t in thresholds:
        right, wrong = totals[t]
        found, all_ = repeats[t]
        print(
            f"threshold {t:.2f}{' (configured)' if t == configured else ''}: recall "
            f"{found / all_:.3f} ({found} of {all_} re-registrations, every one with a new "
            f"phone or none and a new document or none), precision "
            f"{right / max(right + wrong, 1):.3f} ({right} of {right + wrong} pairs queued)"
        )


if __name__ == "__main__":
    main()
