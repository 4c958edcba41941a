"""What the gating service hands the novelty gate (recipes.base.NoveltyTools): LSH neighbours from the corpus
projection and, for the spec's semantic stage, cached embeddings."""

from __future__ import annotations

from adapters.embeddings import EmbeddingCache
from projections.corpus import Corpus
from recipes.base import CorpusEntry

_cache = EmbeddingCache()  # one per process: a corpus point is embedded once, whichever candidate asks


class CorpusNovelty:
    """Neighbours among queued/approved points and the drafts of ``run_id``, drafted before ``before`` (a
    ledger position) when given, as a replay's gate sees the corpus."""

    def __init__(
        self, corpus: Corpus, run_id: str, before: int | None = None, cache: EmbeddingCache | None = None
    ) -> None:
        self.corpus = corpus
        self.run_id = run_id
        self.before = before
        self.cache = cache or _cache

    def neighbours(self, text: str) -> list[CorpusEntry]:
        return self.corpus.neighbours(text, run_id=self.run_id, before=self.before)

    def semantic(self, text: str, entries: list[CorpusEntry]) -> list[float]:
        return self.cache.similarities(text, [(e.candidate_id, e.text) for e in entries])
