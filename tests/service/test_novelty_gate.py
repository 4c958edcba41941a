"""The novelty gate through the real ground-truth recipe: template copies, variants, the LSH path agreeing with a
scan, and the semantic stage on the real embedding model."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from msgspec.structs import replace

import recipes
from adapters.embeddings import EmbeddingCache
from domain import facts as f
from domain.spec import parse_spec
from panel import flaws, tasks
from projections.corpus import Corpus
from recipes.base import CorpusEntry
from services.novelty_tools import CorpusNovelty
from tests.service.driver import context

SPEC = parse_spec((Path(__file__).parents[2] / "specs" / "arithmetic.toml").read_text(), "arithmetic.toml")
GATE = recipes.get("ground_truth").gates[1]
PROMPT = "A bakery starts the day with 48 bread rolls. Then it sells 19 bread rolls. How many are left?"
RENAMED = "A bakery starts the day with 75 bread rolls. Then it sells 23 bread rolls. How many are left?"


def _spec(**gates: object) -> object:
    return replace(SPEC, gates=replace(SPEC.gates, **gates))


def _approved(cid: str, text: str) -> CorpusEntry:
    return CorpusEntry(cid, "run-0", 0, text, "approved")


async def test_renamed_number_copy_is_rejected_unless_variants_are_allowed() -> None:
    corpus = [_approved("old", PROMPT)]
    result = await GATE.check({"prompt": RENAMED}, context(SPEC, 3, corpus))
    assert result.status == "fail"
    assert result.reason == "near-duplicate of an earlier item (template similarity 1.00)"
    assert result.detail["rule"] == "template" and result.detail["nearest"] == "old"
    assert result.detail["score"] < SPEC.gates.novelty_threshold and result.detail["compared"] == 1
    allowed = await GATE.check({"prompt": RENAMED}, context(_spec(variants_per_template=1), 3, corpus))  # type: ignore[arg-type]
    assert allowed.status == "pass" and allowed.detail["same_template"] == 1 and allowed.detail["rule"] is None
    second = [*corpus, _approved("old2", RENAMED.replace("75", "61").replace("23", "40"))]
    again = await GATE.check({"prompt": RENAMED}, context(_spec(variants_per_template=1), 3, second))  # type: ignore[arg-type]
    assert again.status == "fail" and again.detail["same_template"] == 2


def _corpus(seed: int, n: int) -> tuple[Corpus, list[str]]:
    """A corpus projection of n drafted items (panel tasks, a share of them copies), the first half queued."""
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(n):
        if texts and rng.random() < 0.3:
            base = rng.choice(texts)
            texts.append(flaws.reword(base, rng) if rng.random() < 0.5 else base.replace("1", "7").replace("2", "5"))
        else:
            fam = rng.choice(tasks.families())
            texts.append(tasks.generate(fam, rng, rng.choice(["easy", "medium", "hard"]), "x").prompt)
    corpus = Corpus.load(None)
    for i, text in enumerate(texts):
        run = "run-0" if i < n // 2 else "run-1"
        fact = f.Drafted(run_id=run, index=i, recipe="ground_truth", coordinate={}, payload={"prompt": text})
        corpus.apply(f.Envelope(f"c{i}:1", f"c{i}", 1, 2 * i + 1, "t", fact))
        if i < n // 2:
            corpus.apply(f.Envelope(f"c{i}:2", f"c{i}", 2, 2 * i + 2, "t", f.Queued()))
    return corpus, texts


async def test_the_lsh_path_decides_as_the_scan_does_with_fewer_comparisons() -> None:
    corpus, texts = _corpus(4, 400)
    entries = corpus.entries()
    rules: set[str | None] = set()
    compared = {True: 0, False: 0}
    for i in range(200, 400):
        ctx = context(SPEC, i, entries, run_id="run-1")
        ctx.candidate_id = f"c{i}"
        scan = await GATE.check({"prompt": texts[i]}, ctx)
        ctx.novelty = CorpusNovelty(corpus, "run-1")
        lsh = await GATE.check({"prompt": texts[i]}, ctx)
        keys = ("rule", "nearest", "score", "template_score", "same_template")
        if scan.status == "fail":
            assert {k: lsh.detail[k] for k in keys} == {k: scan.detail[k] for k in keys}, i
        assert (lsh.status, lsh.reason) == (scan.status, scan.reason), i
        rules.add(scan.detail["rule"])
        compared[True] += lsh.detail["compared"]
        compared[False] += scan.detail["compared"]
    assert rules == {"raw", "template", None}
    assert compared[True] * 3 < compared[False]


def _fake_cache() -> EmbeddingCache:
    """Embeddings from the real model, counting how many texts it was asked to embed."""
    from adapters.embeddings import embedder

    cache = EmbeddingCache()
    cache.calls = 0  # type: ignore[attr-defined]

    def encode(texts: list[str]) -> np.ndarray:
        cache.calls += len(texts)  # type: ignore[attr-defined]
        return embedder().encode(texts)

    cache._encode = encode
    return cache


async def test_semantic_stage_rejects_paraphrases_when_the_spec_turns_it_on() -> None:
    earlier = "Write a polite email to a colleague declining their invitation to a Friday meeting."
    paraphrase = "Draft a courteous message turning down a coworker's request to meet on Friday."
    unrelated = "Explain how a bicycle's gears change the effort needed to climb a hill."
    corpus = Corpus.load(None)
    fact = f.Drafted(run_id="run-0", index=0, recipe="ground_truth", coordinate={}, payload={"prompt": earlier})
    corpus.apply(f.Envelope("e:1", "e", 1, 1, "t", fact))
    corpus.apply(f.Envelope("e:2", "e", 2, 2, "t", f.Queued()))
    cache = _fake_cache()
    spec = _spec(semantic=True, semantic_threshold=0.6)
    outcomes = {}
    for name, text in (("paraphrase", paraphrase), ("unrelated", unrelated)):
        ctx = context(spec, 1, corpus.entries())  # type: ignore[arg-type]
        ctx.novelty = CorpusNovelty(corpus, "run-1", cache=cache)
        outcomes[name] = await GATE.check({"prompt": text}, ctx)
        off = context(SPEC, 1, corpus.entries())
        off.novelty = CorpusNovelty(corpus, "run-1", cache=cache)
        assert (await GATE.check({"prompt": text}, off)).status == "pass"  # lexically novel; semantic stage off
    para, other = outcomes["paraphrase"], outcomes["unrelated"]
    assert para.detail["semantic_score"] > 0.6 > other.detail["semantic_score"]
    assert para.status == "fail" and para.detail["rule"] == "semantic" and para.detail["nearest"] == "e"
    assert para.reason == f"paraphrase of an earlier item (semantic similarity {para.detail['semantic_score']:.2f})"
    assert other.status == "pass" and other.detail["semantic_compared"] == 1
    assert cache.calls == 1 + 2  # type: ignore[attr-defined]  # the corpus point once, then each query once


SEQUENCE = (
    'A number sequence starts -7, 33, 73, 113, 153, ... Reply with a JSON object with integer fields "next_term" '
    '(the term right after the ones shown) and "term_10" (the tenth term, counting the first shown term as term 1).'
)


async def test_semantic_stage_needs_the_same_numbers() -> None:
    corpus = Corpus.load(None)
    fact = f.Drafted(run_id="run-0", index=0, recipe="ground_truth", coordinate={}, payload={"prompt": SEQUENCE})
    corpus.apply(f.Envelope("s:1", "s", 1, 1, "t", fact))
    corpus.apply(f.Envelope("s:2", "s", 2, 2, "t", f.Queued()))
    spec = _spec(semantic=True)  # the default threshold, 0.9
    other = SEQUENCE.replace(
        "A number sequence starts -7, 33, 73, 113, 153, ...", "Consider the sequence 80, 117, 154, 191, 228, and so on."
    )
    same = other.replace("80, 117, 154, 191, 228", "-7, 33, 73, 113, 153")
    outcomes = []
    for text in (same, other):
        ctx = context(spec, 1, corpus.entries())  # type: ignore[arg-type]
        ctx.novelty = CorpusNovelty(corpus, "run-1", cache=EmbeddingCache())
        outcomes.append(await GATE.check({"prompt": text}, ctx))
    paraphrase, instance = outcomes
    assert paraphrase.status == "fail" and paraphrase.detail["rule"] in ("raw", "semantic"), paraphrase.detail
    # other numbers: a new instance of the task, though the embedding can hardly tell it from a paraphrase
    assert instance.detail["template_score"] < 0.9 and instance.detail["semantic_score"] >= 0.9, instance.detail
    assert instance.status == "pass", instance.detail
