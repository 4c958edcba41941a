"""What a recipe supplies to the spine: payload, generation, ordered gates, probe attempt, render.

The services drive every recipe through the same loop; a recipe never touches the ledger or bus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from domain.facts import Receipt
from domain.spec import Spec


@dataclass(frozen=True)
class Completion:
    """A model's reply and the receipt of the call that made it (what adapters.llm returns)."""

    text: str
    receipt: Receipt


class ModelCaller(Protocol):
    """What a recipe may call: a model by role (resolved from the spec) with a receipt for each call."""

    async def __call__(
        self,
        role: str,
        messages: list[dict[str, str]],
        *,
        model: str | None = None,
        sample: int = 0,
        seed: int | None = None,
        temperature: float | None = None,
    ) -> Completion: ...


@dataclass(frozen=True)
class CorpusEntry:
    """Another point's text, for the novelty gate: queued or accepted points and this run's drafts."""

    candidate_id: str
    run_id: str
    index: int
    text: str
    status: str
    position: int = 0  # ledger position of its draft: replays compare only with what was drafted before


class NoveltyTools(Protocol):
    """What the services give the novelty gate besides ``Context.corpus`` (services.novelty_tools)."""

    def neighbours(self, text: str) -> list[CorpusEntry]:
        """Corpus points that may be near ``text`` (an LSH lookup, not a scan), in draft order."""
        ...

    def semantic(self, text: str, entries: list[CorpusEntry]) -> list[float]:
        """Cosine similarity of ``text``'s embedding to each entry's (the spec's semantic stage)."""
        ...


@dataclass
class Context:
    """Everything a recipe step may use. ``call`` raises adapters.llm.ModelError on a failed call."""

    spec: Spec
    call: ModelCaller
    run_id: str
    candidate_id: str
    index: int
    coordinate: dict[str, str]
    seed: int
    checklist: list[str] = field(default_factory=list)
    corpus: Sequence[CorpusEntry] = field(default_factory=list)  # built on first use by the services
    novelty: NoveltyTools | None = None  # without it the novelty gate scans ``corpus`` and skips the semantic stage


@dataclass(frozen=True)
class GateOutcome:
    """A gate's verdict: pass, fail (final), or repair (with an instruction for the repairer)."""

    status: Literal["pass", "fail", "repair"]
    reason: str = ""
    instruction: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    receipts: list[Receipt] = field(default_factory=list)
    unusable_output: bool = False  # the gate could not judge: a model's reply was junk (not the candidate's fault)


@dataclass(frozen=True)
class Draft:
    payload: dict[str, Any]
    receipts: list[Receipt]


class DraftError(Exception):
    """The author's output could not be turned into a payload (junk); carries receipts of the calls made."""

    def __init__(self, reason: str, receipts: list[Receipt]) -> None:
        super().__init__(reason)
        self.receipts = receipts


@dataclass(frozen=True)
class Attempt:
    """One solver sample on the probe: the answer it gave and whether the grader accepted it."""

    correct: bool
    answer: str
    receipt: Receipt
    extra_receipts: list[Receipt] = field(default_factory=list)  # e.g. the judge call that scored the answer

    @property
    def receipts(self) -> list[Receipt]:
        return [self.receipt, *self.extra_receipts]


class Gate(Protocol):
    name: str
    reads: frozenset[str]  # payload fields it inspects: a repair touching them re-runs the gate

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome: ...


class Recipe(Protocol):
    """A data type's gated loop. ``gates`` is ordered cheap-first and includes ``probe_gate`` by name."""

    name: str
    gates: list[Gate]
    probe_gate: str

    def validate(self, payload: dict[str, Any]) -> list[str]: ...

    async def draft(self, ctx: Context) -> Draft: ...

    async def repair(
        self, payload: dict[str, Any], instruction: str, ctx: Context
    ) -> tuple[dict[str, Any], list[Receipt]]: ...

    async def attempt(
        self, payload: dict[str, Any], model: str, sample: int, seed: int, temperature: float, ctx: Context
    ) -> Attempt: ...

    def novelty_text(self, payload: dict[str, Any]) -> str: ...

    def render(self, payload: dict[str, Any]) -> str: ...
