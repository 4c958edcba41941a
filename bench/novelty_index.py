"""Novelty lookup at scale: the LSH index vs a linear scan, side by side in one run.

Builds a synthetic corpus (default 100k points: panel task prompts with a share of template copies and rewordings),
then for a few hundred queries prints time per query and exact comparisons per query for both, the ratios, and
whether the index found every near-identical template the scan found. Usage: python bench/novelty_index.py [N] [Q]
"""

from __future__ import annotations

import random
import sys
import time
from typing import Any

from domain.novelty import compare, judge
from panel import flaws, tasks
from projections.novelty_index import LSH_THRESHOLD, NUM_PERM, LshIndex


def corpus(n: int, rng: random.Random) -> list[str]:
    fams = tasks.families()
    texts: list[str] = []
    for _ in range(n):
        if texts and rng.random() < 0.05:
            texts.append(flaws.reword(rng.choice(texts), rng))
        else:
            texts.append(tasks.generate(rng.choice(fams), rng, rng.choice(["easy", "medium", "hard"]), "x").prompt)
    return texts


def main(n: int = 100_000, queries: int = 200) -> None:
    rng = random.Random(7)
    t0 = time.perf_counter()
    texts = corpus(n, rng)
    keyed = [(f"p{i}", t) for i, t in enumerate(texts)]
    t1 = time.perf_counter()
    index = LshIndex()
    for key, text in keyed:
        index.add(key, text)
    t2 = time.perf_counter()
    print(
        f"corpus {n} points generated in {t1 - t0:.1f}s; index (num_perm={NUM_PERM}, LSH threshold {LSH_THRESHOLD})"
        f" built in {t2 - t1:.1f}s ({(t2 - t1) / n * 1e6:.0f} us/point)"
    )
    asks = [rng.choice(texts).replace("1", "4") for _ in range(queries // 2)] + corpus(queries - queries // 2, rng)
    rules: dict[str, Any] = {"novelty_threshold": 0.6, "template_threshold": 0.9}
    lsh_time = scan_time = 0.0
    lsh_cmp = scan_cmp = agree = 0
    scan_queries = max(1, queries // 10)  # the scan is slow: time it on a tenth of the queries
    for i, q in enumerate(asks):
        t = time.perf_counter()
        found = sorted(index.query(q), key=lambda k: int(k[1:]))  # draft order, as the gate sees them
        lsh = judge(compare(q, [(k, texts[int(k[1:])]) for k in found]), **rules)
        lsh_time += time.perf_counter() - t
        lsh_cmp += len(found)
        if i < scan_queries:
            t = time.perf_counter()
            scan = judge(compare(q, keyed), **rules)
            scan_time += time.perf_counter() - t
            scan_cmp += n
            agree += (scan.rule, scan.nearest, scan.same_template) == (lsh.rule, lsh.nearest, lsh.same_template)
    per_lsh, per_scan = lsh_time / len(asks), scan_time / scan_queries
    print(f"{'':14}{'ms/query':>10}{'exact comparisons/query':>26}")
    print(f"{'LSH index':14}{per_lsh * 1e3:>10.2f}{lsh_cmp / len(asks):>26.0f}")
    print(f"{'linear scan':14}{per_scan * 1e3:>10.2f}{scan_cmp / scan_queries:>26.0f}")
    fewer = scan_cmp / scan_queries / max(1, lsh_cmp / len(asks))
    print(f"ratio (scan / index): time {per_scan / per_lsh:.0f}x, comparisons {fewer:.0f}x")
    print(f"same verdict, nearest and template count as the scan: {agree}/{scan_queries} queries")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
