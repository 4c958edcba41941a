"""What the gating service hands the novelty gate (recipes.base.NoveltyTools): LSH neighbours from the corpus
projection and, for the spec's semantic stage, cached embeddings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import overload

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


class LazyCorpus(Sequence[CorpusEntry]):
    """``Context.corpus``, built by ``build`` on first use: most gates never read it (the novelty gate asks
    ``CorpusNovelty`` for neighbours), and building it walks every candidate in the ledger (0.1 s at 8k
    candidates), which gating paid on every delivery."""

    def __init__(self, build: Callable[[], list[CorpusEntry]]) -> None:
        self._build: Callable[[], list[CorpusEntry]] | None = build
        self._entries: list[CorpusEntry] = []

    def _built(self) -> list[CorpusEntry]:
        if self._build is not None:
            self._entries, self._build = self._build(), None
        return self._entries

    @overload
    def __getitem__(self, i: int) -> CorpusEntry: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[CorpusEntry]: ...
    def __getitem__(self, i: int | slice) -> CorpusEntry | Sequence[CorpusEntry]:
        return self._built()[i]

    def __len__(self) -> int:
        return len(self._built())

    def __iter__(self) -> Iterator[CorpusEntry]:
        return iter(self._built())

    @property
    def built(self) -> bool:
        """Whether anything asked for the entries yet."""
        return self._build is None
