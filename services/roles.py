"""Resolve a recipe's model roles to the litellm names in the spec, and build a recipe Context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.llm import LLM
from domain.spec import Spec
from recipes.base import Completion, Context, CorpusEntry, NoveltyTools

_FALLBACK = {"repairer": "author", "judge": "author", "writer": "author"}


class RoleCaller:
    """``await call(role, messages)`` calls the spec's model for that role and returns text + receipt."""

    def __init__(self, llm: LLM, spec: Spec) -> None:
        self.llm = llm
        self.spec = spec

    def model_for(self, role: str) -> str:
        models = self.spec.models
        name = getattr(models, role, None) if role != "panel" else None
        if name is None and role in _FALLBACK:
            name = getattr(models, _FALLBACK[role], None)
        if name is None and role == "oracle":
            name = models.panel[0]
        if name is None:
            raise ValueError(f"spec {self.spec.name!r} names no model for role {role!r}")
        return name

    async def __call__(
        self,
        role: str,
        messages: list[dict[str, str]],
        *,
        model: str | None = None,
        sample: int = 0,
        seed: int | None = None,
        temperature: float | None = None,
    ) -> Completion:
        return await self.llm.complete(
            role,
            model or self.model_for(role),
            messages,
            sample=sample,
            seed=seed,
            temperature=temperature,
            deployments=self.spec.model_list,
            fallbacks=self.spec.fallbacks,
        )


def context(
    llm: LLM,
    spec: Spec,
    *,
    run_id: str,
    candidate_id: str,
    index: int,
    coordinate: dict[str, str],
    seed: int,
    checklist: list[str] | None = None,
    corpus: Sequence[CorpusEntry] | None = None,
    novelty: NoveltyTools | None = None,
) -> Context:
    return Context(
        spec=spec,
        call=RoleCaller(llm, spec),
        run_id=run_id,
        candidate_id=candidate_id,
        index=index,
        coordinate=dict(coordinate),
        seed=seed,
        checklist=list(checklist or []),
        corpus=corpus if corpus is not None else [],  # a LazyCorpus stays lazy
        novelty=novelty,
    )


def seeded_as(candidate: Any) -> tuple[str, str]:
    """The (run id, candidate id) a candidate's gates and probe see as its own (the novelty gate leaves it and
    compares with its run's earlier drafts). A replayed candidate takes those of the candidate the author
    drafted, so a replay with unchanged gates makes exactly the source's calls (its seeds: see below)."""
    origin = getattr(candidate.facts[0], "origin", None)
    if origin is None or not origin.root_candidate_id:
        return candidate.run_id, str(candidate.id)
    return origin.root_run_id, origin.root_candidate_id


def drafted_before(corpus: list[CorpusEntry], candidate_id: str) -> list[CorpusEntry]:
    """The corpus (in draft order) as it stood when ``candidate_id`` was drafted, with today's statuses: what a
    replayed candidate's novelty gate compares against, so neither its source nor other replays count."""
    for i, entry in enumerate(corpus):
        if entry.candidate_id == candidate_id:
            return corpus[:i]
    return corpus


def stable_seed(*parts: Any) -> int:
    """A 31-bit seed from any parts, identical across processes (unlike hash())."""
    import hashlib

    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


# Every model call of a candidate is seeded from its run's recorded seed and its pull index, never from the
# run's or candidate's (random) ids: two runs with one seed at concurrency 1 make the same calls, and a replay
# (which keeps its source's seed and pull indexes) makes the calls its source made.


def draft_seed(run_seed: int, index: int) -> int:
    """The author's seed for pull ``index``."""
    return stable_seed(run_seed, index)


def gate_seed(run_seed: int, index: int) -> int:
    """The seed of the gates (and repairs) of pull ``index``."""
    return stable_seed(run_seed, index, "gates")


def sample_seed(run_seed: int, index: int, model: str, sample: int) -> int:
    """The seed of probe sample ``sample`` of ``model`` for pull ``index``: each sample a distinct request."""
    return stable_seed(run_seed, index, model, sample)
