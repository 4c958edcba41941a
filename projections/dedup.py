"""Near-duplicate pairs among queued and approved points, found through the corpus's LSH index (`assay dedup`)."""

from __future__ import annotations

from typing import Any

from domain.novelty import similarity, template_similarity
from projections.corpus import POOL, Corpus
from projections.novelty_index import LshIndex


def pairs(corpus: Corpus, run_ids: set[str] | None, threshold: float) -> list[dict[str, Any]]:
    """Pairs of queued/approved points (of ``run_ids``, or all) whose masked (template) similarity is at least
    ``threshold`` or whose raw similarity is above it; each pair once, the earlier-drafted point first."""
    points = [e for e in corpus.entries(statuses=POOL) if run_ids is None or e.run_id in run_ids]
    index = LshIndex()
    found: list[dict[str, Any]] = []
    for later in points:  # draft order: each point meets the ones before it through the index
        for cid in sorted(index.query(later.text), key=lambda c: corpus.candidates[c]["position"]):
            earlier = corpus.candidates[cid]
            raw, tmpl = similarity(earlier["text"], later.text), template_similarity(earlier["text"], later.text)
            if tmpl >= threshold or raw > threshold:
                found.append(
                    {
                        "a": {"candidate_id": cid, "run_id": earlier["run_id"], "status": earlier["status"]},
                        "b": {"candidate_id": later.candidate_id, "run_id": later.run_id, "status": later.status},
                        "raw": raw,
                        "template": tmpl,
                    }
                )
        index.add(later.candidate_id, later.text)
    return found
