"""The LSH index: seeded, finds every near-identical template, and follows the corpus as facts arrive."""

from __future__ import annotations

import random
from typing import Any

from domain import facts as f
from domain.novelty import similarity, template_similarity
from panel import flaws, tasks
from projections.corpus import Corpus
from projections.novelty_index import LshIndex, signatures


def _items(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    fams = tasks.families()
    return [
        tasks.generate(rng.choice(fams), rng, rng.choice(["easy", "medium", "hard"]), "arithmetic").prompt
        for _ in range(n)
    ]


def _near(text: str, rng: random.Random) -> str:
    """A crafted near-duplicate: numbers renamed, maybe a word swapped or dropped."""
    words = ["".join(str(rng.randint(0, 9)) if c.isdigit() else c for c in w) for w in text.split()]
    if rng.random() < 0.5 and len(words) > 12:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def test_minhash_is_seeded() -> None:
    text = _items(1, 3)[0]
    first, again = signatures(text), signatures(text)
    assert first[0] is not None and again[0] is not None
    assert (first[0].hashvalues == again[0].hashvalues).all()


def test_every_near_identical_template_is_found() -> None:
    rng = random.Random(11)
    corpus = _items(600, 5)
    queries = [_near(rng.choice(corpus), rng) for _ in range(150)] + _items(150, 6)
    queries += [flaws.reword(rng.choice(corpus), rng) for _ in range(100)]  # same numbers, other words
    index = LshIndex()
    for i, text in enumerate(corpus):
        index.add(f"p{i}", text)
    missed_template = missed_raw = wanted_raw = wanted_template = 0
    for q in queries:
        found = index.query(q)
        for i, text in enumerate(corpus):
            if template_similarity(q, text) >= 0.9:
                wanted_template += 1
                missed_template += f"p{i}" not in found
            if similarity(q, text) > 0.6:
                wanted_raw += 1
                missed_raw += f"p{i}" not in found
    assert wanted_template >= 150 and missed_template == 0
    assert wanted_raw >= 50 and missed_raw == 0
    assert sum(len(index.query(q)) for q in queries) < len(queries) * len(corpus) / 2  # not a scan


def test_remove_and_replace() -> None:
    a, b = _items(2, 9)
    index = LshIndex()
    index.add("x", a)
    assert "x" in index.query(a) and len(index) == 1
    index.add("x", b)  # a repair: indexed under its new text only
    assert "x" in index.query(b) and "x" not in index.query(a)
    index.remove("x")
    index.remove("x")
    assert len(index) == 0 and index.query(b) == set()


def _env(cid: str, position: int, fact: Any) -> f.Envelope:
    return f.Envelope(f"{cid}:{position}", cid, 1, position, "2026-01-01T00:00:00", fact)


def _drafted(run: str, index: int, prompt: str) -> f.Drafted:
    return f.Drafted(run_id=run, index=index, recipe="nonexistent", coordinate={}, payload={"prompt": prompt})


def test_corpus_neighbours_follow_statuses_incrementally_and_after_a_reload() -> None:
    text = _items(1, 21)[0]
    copy = _near(text, random.Random(1))
    facts = [
        _env("a", 1, _drafted("r1", 0, text)),
        _env("b", 2, _drafted("r2", 0, text)),
        _env("c", 3, _drafted("r2", 1, text)),
        _env("a", 4, f.Queued()),
        _env("b", 5, f.Rejected(gate="oracle", reason="x")),
    ]
    live = Corpus.load(None)
    live.apply(facts[0])
    live.neighbours(copy)  # builds the index now: the rest arrives incrementally
    for env in facts[1:]:
        live.apply(env)
    reloaded = Corpus.load(live.dump())  # built lazily from the stored state
    for corpus in (live, reloaded):
        assert [e.candidate_id for e in corpus.neighbours(copy)] == ["a"]  # queued; b rejected, c drafting
        assert [e.candidate_id for e in corpus.neighbours(copy, run_id="r2")] == ["a", "b", "c"]  # r2's drafts
        assert [e.candidate_id for e in corpus.neighbours(copy, run_id="r2", before=3)] == ["a", "b"]
    live.apply(_env("a", 6, f.VerdictGiven(verdict="reject", reviewer="me")))
    live.apply(_env("c", 7, f.Queued()))
    live.apply(_env("c", 8, f.VerdictGiven(verdict="edit", reviewer="me", payload={"prompt": "Something else."})))
    assert live.neighbours(copy) == []  # a declined, c edited to another text
    assert [e.candidate_id for e in live.neighbours("Something else.")] == ["c"]
