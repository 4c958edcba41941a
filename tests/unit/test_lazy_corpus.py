"""The corpus a gate may read is built on first use, once, and never when no gate reads it."""

from __future__ import annotations

from recipes.base import CorpusEntry
from services.novelty_tools import LazyCorpus


def _entries(n: int) -> list[CorpusEntry]:
    return [CorpusEntry(candidate_id=f"c{i}", run_id="r", index=i, text=f"t{i}", status="queued") for i in range(n)]


def test_built_once_on_first_use_and_reads_like_the_list() -> None:
    calls: list[int] = []

    def build() -> list[CorpusEntry]:
        calls.append(1)
        return _entries(3)

    corpus = LazyCorpus(build)
    assert calls == [] and not corpus.built
    assert [e.candidate_id for e in corpus] == ["c0", "c1", "c2"] and corpus.built
    assert len(corpus) == 3 and corpus[1].text == "t1" and [e.index for e in corpus[1:]] == [1, 2]
    assert list(reversed(corpus))[0].candidate_id == "c2" and _entries(3)[0] in corpus
    assert calls == [1]


def test_never_built_when_nobody_reads_it() -> None:
    def build() -> list[CorpusEntry]:
        raise AssertionError("built")

    corpus = LazyCorpus(build)
    assert not corpus.built
