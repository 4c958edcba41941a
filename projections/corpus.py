"""The novelty corpus: every candidate's current text and status, for the novelty gate and id lookup.

It also keeps LSH indexes of the texts (projections.novelty_index), built on first use and then updated with every
fact: one of the queued and approved points (a point enters when queued or approved, leaves when rejected or
declined) and one per run of its drafts (whatever became of them), which is the novelty gate's pool."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, ClassVar, cast

import recipes
from domain import facts as f
from projections.base import JsonView
from projections.novelty_index import LshIndex
from recipes.base import CorpusEntry

STATUSES = ("drafting", "failed_draft", "queued", "rejected", "approved", "declined")
POOL = ("queued", "approved")  # statuses every candidate is compared with (its own run's drafts are too)

_RECIPES: dict[str, Any] = {}  # recipe name -> recipe object, or None when it cannot be built here


def _recipe(name: str) -> Any:
    if name not in _RECIPES:
        try:
            _RECIPES[name] = recipes.get(name)
        except Exception:  # unknown, or not importable in this process: fall back, never crash
            _RECIPES[name] = None
    return _RECIPES[name]


def novelty_text(recipe: str, payload: dict[str, Any]) -> str:
    """The text the recipe compares for novelty; the payload's prompt when the recipe is unavailable."""
    obj = _recipe(recipe)
    if obj is not None:
        try:
            return str(obj.novelty_text(payload))
        except Exception:  # a malformed payload must not stop the projection
            pass
    prompt = payload.get("prompt", "")
    return prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, default=str)


class Corpus(JsonView):
    """Candidate id -> run id, index, recipe, novelty text, status, draft position."""

    name: ClassVar[str] = "corpus"
    schema: ClassVar[int] = 1

    candidates: dict[str, dict[str, Any]]
    fields: ClassVar[tuple[str, ...]] = ("candidates",)

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        super().__init__(state)
        self._pool: LshIndex | None = None  # queued/approved points; None until first used
        self._runs: dict[str, LshIndex] = {}  # run id -> its drafts, for the runs asked about so far

    on: ClassVar[dict[type, str | None]] = {
        f.Drafted: "_drafted",
        f.DraftFailed: "_drafted",
        f.Repaired: "_repaired",
        f.Rejected: "_status",
        f.Queued: "_status",
        f.VerdictGiven: "_verdict",
    }

    def _drafted(self, env: f.Envelope) -> None:
        fact = cast(f.Drafted | f.DraftFailed, env.fact)
        drafted = isinstance(fact, f.Drafted)
        self.candidates[env.originator_id] = {
            "run_id": fact.run_id,
            "index": fact.index,
            "recipe": fact.recipe,
            "text": novelty_text(fact.recipe, fact.payload) if isinstance(fact, f.Drafted) else "",
            "status": "drafting" if drafted else "failed_draft",
            "position": env.position,
        }
        self._changed(env.originator_id)

    def _repaired(self, env: f.Envelope) -> None:
        entry = self.candidates.get(env.originator_id)
        if entry is not None:
            entry["text"] = novelty_text(entry["recipe"], cast(f.Repaired, env.fact).payload)
            self._changed(env.originator_id)

    def _status(self, env: f.Envelope) -> None:
        entry = self.candidates.get(env.originator_id)
        if entry is not None:
            entry["status"] = "rejected" if isinstance(env.fact, f.Rejected) else "queued"
            self._changed(env.originator_id)

    def _verdict(self, env: f.Envelope) -> None:
        entry = self.candidates.get(env.originator_id)
        if entry is not None:
            fact = cast(f.VerdictGiven, env.fact)
            entry["status"] = "declined" if fact.verdict == "reject" else "approved"
            if fact.payload is not None and fact.verdict == "edit":
                entry["text"] = novelty_text(entry["recipe"], fact.payload)
            self._changed(env.originator_id)

    def _changed(self, cid: str) -> None:
        """Bring ``cid``'s place in the indexes built so far in line with its entry (text and status)."""
        entry = self.candidates[cid]
        text = entry["text"]
        run = self._runs.get(entry["run_id"])
        if run is not None and text and run.texts.get(cid) != text:
            run.add(cid, text)
        if self._pool is not None:
            if text and entry["status"] in POOL:
                if self._pool.texts.get(cid) != text:
                    self._pool.add(cid, text)
            else:
                self._pool.remove(cid)

    # --- the LSH indexes ---------------------------------------------------------------------

    def _indexes(self) -> LshIndex:
        """The index of queued and approved points, built on first use (then kept in line by every fact)."""
        if self._pool is None:
            self._pool = LshIndex()
            for cid, e in self._in_draft_order(self.candidates.items()):
                if e["text"] and e["status"] in POOL:
                    self._pool.add(cid, e["text"])
        return self._pool

    def _run_index(self, run_id: str) -> LshIndex:
        """The index of ``run_id``'s drafts, built when that run is first asked about: a gating process indexes
        the runs it gates, not every run the ledger holds."""
        run = self._runs.get(run_id)
        if run is None:
            run = self._runs[run_id] = LshIndex()
            mine = ((cid, e) for cid, e in self.candidates.items() if e["run_id"] == run_id)
            for cid, e in self._in_draft_order(mine):
                if e["text"]:
                    run.add(cid, e["text"])
        return run

    @staticmethod
    def _in_draft_order(rows: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
        return sorted(rows, key=lambda kv: kv[1]["position"])

    def neighbours(self, text: str, *, run_id: str | None = None, before: int | None = None) -> list[CorpusEntry]:
        """Queued/approved points and drafts of ``run_id`` that may be near ``text`` (LSH, not a scan), drafted
        before ledger position ``before`` when given, in draft order. Callers still apply their own filter."""
        found = self._indexes().query(text)
        if run_id is not None:
            found |= self._run_index(run_id).query(text)
        rows = [(cid, self.candidates[cid]) for cid in found]
        return [
            self._entry(cid, e)
            for cid, e in sorted(rows, key=lambda kv: kv[1]["position"])
            if before is None or e["position"] < before
        ]

    @staticmethod
    def _entry(cid: str, e: dict[str, Any]) -> CorpusEntry:
        return CorpusEntry(
            candidate_id=cid,
            run_id=e["run_id"],
            index=e["index"],
            text=e["text"],
            status=e["status"],
            position=e["position"],
        )

    # --- queries -----------------------------------------------------------------------------

    def entries(self, *, run_id: str | None = None, statuses: tuple[str, ...] | None = None) -> list[CorpusEntry]:
        """Candidates with text, in draft order; optionally of one run and/or with given statuses.

        The candidate being gated is among them (status "drafting"): the gate skips its own id."""
        rows = sorted(self.candidates.items(), key=lambda kv: kv[1]["position"])
        return [
            self._entry(cid, e)
            for cid, e in rows
            if e["text"] and (run_id is None or e["run_id"] == run_id) and (statuses is None or e["status"] in statuses)
        ]

    def get(self, candidate_id: str) -> dict[str, Any] | None:
        return self.candidates.get(candidate_id)

    def ids(self) -> list[str]:
        return sorted(self.candidates)

    def __len__(self) -> int:
        return len(self.candidates)

    def summary(self) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for e in self.candidates.values():
            by_status[e["status"]] = by_status.get(e["status"], 0) + 1
        return {"candidates": len(self.candidates), "by_status": dict(sorted(by_status.items()))}
