"""An LSH index of novelty texts (datasketch MinHash + MinHashLSH): which points may be near a text, without
comparing it with every point. Exact similarities (domain.novelty) are computed only on what it returns.

Two bands of candidates, so both duplicate rules keep their recall:

- the number-masked shingles (domain.novelty.Profile.shingles): same template, or the same wording;
- the number set: the same numbers reworded (raw similarity is half wording, half numbers, so a raw duplicate
  has a high masked or a high number-set Jaccard).

MinHash is seeded and hashes with datasketch's fixed SHA-1 function, so the index is the same in every process.
With 128 permutations and an LSH threshold of 0.4 (32 bands of 4 rows) a pair at Jaccard 0.6 is returned with
probability 0.988 and at 0.8 with 0.99999+; a masked similarity of 0.9 implies a shingle Jaccard near 0.8.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from domain.novelty import profile

if TYPE_CHECKING:
    from datasketch import LeanMinHash, MinHash

# datasketch is imported where an index is first used, not with this module: it imports scipy (over a second),
# and every command that reads the corpus (status, show, queue) imports this module without querying it.

NUM_PERM = 128
LSH_THRESHOLD = 0.4
SEED = 20261101


@cache
def _seeded() -> MinHash:
    """A MinHash whose seeded permutations every other shares: drawn once, since MinHash draws them again (a numpy
    RandomState and 2 x 128 draws) on each construction unless given them."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED)


def _minhash(items: list[str]) -> LeanMinHash | None:
    if not items:
        return None
    from datasketch import LeanMinHash, MinHash

    seeded = _seeded()
    m = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=seeded.permutations, scheme=seeded.scheme)
    m.update_batch([s.encode() for s in items])
    return LeanMinHash(m)


def signatures(text: str) -> tuple[LeanMinHash | None, LeanMinHash | None]:
    """The MinHash of a text's masked shingles and of its number set (None for an empty set)."""
    p = profile(text)
    return _minhash(p.shingles()), _minhash(sorted(p.numbers))


@cache
def _bands() -> tuple[int, int]:
    """The (bands, rows) datasketch picks for the threshold: worked out once (it integrates numerically, tens of
    milliseconds), then given to every index."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return lsh.b, lsh.r


class LshIndex:
    """Keys (candidate ids) with their text's MinHash signatures; add/remove as points come and go."""

    def __init__(self) -> None:
        from datasketch import MinHashLSH

        self.templates = MinHashLSH(num_perm=NUM_PERM, params=_bands())
        self.numbers = MinHashLSH(num_perm=NUM_PERM, params=_bands())
        self.texts: dict[str, str] = {}  # key -> the text it is indexed under

    def add(self, key: str, text: str) -> None:
        """Index ``key`` under ``text``, replacing what it was indexed under before."""
        self.remove(key)
        masked, numbers = signatures(text)
        if masked is not None:
            self.templates.insert(key, masked, check_duplication=False)
        if numbers is not None:
            self.numbers.insert(key, numbers, check_duplication=False)
        self.texts[key] = text

    def remove(self, key: str) -> None:
        if key not in self.texts:
            return
        for lsh in (self.templates, self.numbers):
            if key in lsh:
                lsh.remove(key)
        del self.texts[key]

    def query(self, text: str) -> set[str]:
        """Keys that share an LSH band with ``text``'s masked shingles or number set."""
        masked, numbers = signatures(text)
        found: set[str] = set()
        if masked is not None and not self.templates.is_empty():
            found.update(self.templates.query(masked))
        if numbers is not None and not self.numbers.is_empty():
            found.update(self.numbers.query(numbers))
        return found

    def __contains__(self, key: object) -> bool:
        return key in self.texts

    def __len__(self) -> int:
        return len(self.texts)
