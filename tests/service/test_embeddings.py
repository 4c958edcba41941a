"""The numpy MiniLM: loads offline from the installed package and reproduces the model's known similarities."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from adapters import embeddings
from adapters.embeddings import Embedder, EmbeddingCache


@pytest.fixture(scope="module")
def model() -> Embedder:
    return Embedder()


def test_loads_without_touching_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the embedding model tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(embeddings, "_embedder", None)
    vectors = embeddings.embedder().encode(["offline"])
    assert vectors.shape == (1, 384) and embeddings.embedder() is embeddings.embedder()


def test_known_similarities_of_all_minilm_l6_v2(model: Embedder) -> None:
    # The model card's widget example (sentence-transformers on the same weights): 0.695, 0.943, 0.257.
    v = model.encode(
        ["That is a happy person", "That is a happy dog", "That is a very happy person", "Today is a sunny day"]
    )
    assert np.allclose(v[1:] @ v[0], [0.695, 0.943, 0.257], atol=0.002)


def test_unit_vectors_float32_contiguous_and_padding_free(model: Embedder) -> None:
    alone = model.encode(["short one"])
    batch = model.encode(["short one", "a much longer sentence, with many more tokens than the short one has"])
    assert batch.dtype == np.float32 and batch.flags["C_CONTIGUOUS"]
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert np.allclose(alone[0], batch[0], atol=1e-5)  # padding in a batch changes nothing


def test_paraphrases_score_above_unrelated_pairs(model: Embedder) -> None:
    pairs = [
        ("Explain the difference between a list and a tuple in Python.", "How does a Python tuple differ from a list?"),
        ("Write a haiku about autumn leaves falling.", "Compose a haiku describing leaves dropping in the fall."),
    ]
    unrelated = "A bakery starts the day with 48 bread rolls. How many are left after it sells 19?"
    for a, b in pairs:
        va, vb, vu = model.encode([a, b, unrelated])
        assert float(va @ vb) > 0.85 > 0.3 > float(va @ vu)


def test_cache_embeds_each_point_once_and_again_after_an_edit() -> None:
    asked: list[str] = []

    def encode(texts: list[str]) -> np.ndarray:
        asked.extend(texts)
        return np.eye(4, dtype=np.float32)[[len(t) % 4 for t in texts]]

    cache = EmbeddingCache(encode)
    items = [("a", "one"), ("b", "four")]
    assert cache.similarities("xyz", items) == [1.0, 0.0]
    cache.similarities("xyz", items)
    cache.similarities("xyz", [("a", "edited")])
    assert asked == ["xyz", "one", "four", "xyz", "xyz", "edited"]
