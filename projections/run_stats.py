"""Run statistics: attempts, outcomes, rejects by gate and reason, and spend per run and in total; model calls by
model, by role and by outcome (ok, or failed by error class), and the retries within calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

import msgspec

from domain import facts as f
from projections.base import JsonView, receipt_sums, receipts_of, round_cost
from projections.checklist import normalise

_COUNTS = ("attempts", "drafted", "failed_drafts", "queued", "rejected", "approved", "declined", "teeth", "suspect")
_SPEND = ("calls", "prompt_tokens", "completion_tokens", "cost_usd")
_BREAKDOWNS = ("by_model", "by_role")


def error_class(error: str) -> str:
    """A failed call's error class: the text of ``Receipt.error`` before its first ":" (adapters.llm writes
    ``"<ExceptionName>: <message>"``), e.g. ``RateLimitError``, ``Timeout``, ``EmptyResponse``."""
    return error.split(":", 1)[0].strip() or "error"


def _new_bucket() -> dict[str, Any]:
    return {**receipt_sums(()), "errors": 0}


def _new_outcomes() -> dict[str, Any]:
    # retries: tries after a call's first; retried: the failed tries that were tried again, by error class
    return {"ok": 0, "failed": 0, "errors": {}, "retries": 0, "retried": {}}


def call_sums(receipts: Sequence[f.Receipt], row: dict[str, Any]) -> None:
    """Add receipts to a row's spend and to its calls by model, by role and by outcome.

    A fact's receipts are summed per bucket first, and each bucket's cost rounded once (a probe records many
    calls of a few models): this runs for most facts of a rebuild."""
    by_model, by_role, outcomes = row["by_model"], row["by_role"], row["by_outcome"]
    if len(receipts) == 1 and not receipts[0].error and not receipts[0].tries:  # most facts: one call, no retry
        r = receipts[0]
        model, role = by_model.get(r.model), by_role.get(r.role)
        if model is None:
            model = by_model[r.model] = _new_bucket()
        if role is None:
            role = by_role[r.role] = _new_bucket()
        prompt, completion, cost = r.prompt_tokens, r.completion_tokens, r.cost_usd
        for bucket in (row, model, role):
            bucket["calls"] += 1
            bucket["prompt_tokens"] += prompt
            bucket["completion_tokens"] += completion
            if cost:  # rounding an already rounded sum again changes nothing
                bucket["cost_usd"] = round_cost(bucket["cost_usd"] + cost)
        outcomes["ok"] += 1
        return
    # (model, role) -> (calls, prompt, completion, cost, errors), in the order first called; each group's running
    # sums kept in locals while its receipts come one after another (a probe's samples of a model do)
    sums: dict[tuple[str, str], tuple[int, int, int, float, int]] = {}
    ok = calls = prompt = completion = errors = 0
    cost = 0.0
    key: tuple[str, str] | None = None
    for r in receipts:
        if key is None or r.model != key[0] or r.role != key[1]:
            if key is not None:
                sums[key] = (calls, prompt, completion, cost, errors)
            key = (r.model, r.role)
            calls, prompt, completion, cost, errors = sums.get(key, (0, 0, 0, 0.0, 0))
        calls += 1
        prompt += r.prompt_tokens
        completion += r.completion_tokens
        cost += r.cost_usd
        if r.tries:
            for t in r.tries[:-1]:
                outcomes["retries"] += 1
                cls = t.error or "error"
                outcomes["retried"][cls] = outcomes["retried"].get(cls, 0) + 1
        if r.error:
            errors += 1
            outcomes["failed"] += 1
            cls = error_class(r.error)
            outcomes["errors"][cls] = outcomes["errors"].get(cls, 0) + 1
        else:
            ok += 1
    if key is not None:
        sums[key] = (calls, prompt, completion, cost, errors)
    outcomes["ok"] += ok
    total = [0, 0, 0, 0.0]
    for (model_name, role_name), group in sums.items():
        for breakdown, name in ((by_model, model_name), (by_role, role_name)):
            bucket = breakdown.get(name)
            if bucket is None:
                bucket = breakdown[name] = _new_bucket()
            bucket["calls"] += group[0]
            bucket["prompt_tokens"] += group[1]
            bucket["completion_tokens"] += group[2]
            if group[3]:  # rounding an already rounded sum again changes nothing
                bucket["cost_usd"] = round_cost(bucket["cost_usd"] + group[3])
            bucket["errors"] += group[4]
        total[0] += group[0]
        total[1] += group[1]
        total[2] += group[2]
        total[3] += group[3]
    if total[0]:
        row["calls"] += total[0]
        row["prompt_tokens"] += total[1]
        row["completion_tokens"] += total[2]
        if total[3]:
            row["cost_usd"] = round_cost(row["cost_usd"] + total[3])


def _merge_calls(total: dict[str, Any], row: dict[str, Any]) -> None:
    """Add one run's calls by model, role and outcome into the totals (costs rounded as receipt_sums does)."""
    for key in _BREAKDOWNS:
        for name, bucket in row[key].items():
            into = total[key].setdefault(name, _new_bucket())
            for k in ("calls", "prompt_tokens", "completion_tokens", "errors"):
                into[k] += bucket[k]
            into["cost_usd"] = round_cost(into["cost_usd"] + bucket["cost_usd"])
    outcomes = total["by_outcome"]
    outcomes["ok"] += row["by_outcome"]["ok"]
    outcomes["failed"] += row["by_outcome"]["failed"]
    outcomes["retries"] += row["by_outcome"]["retries"]
    for key in ("errors", "retried"):
        for cls, n in row["by_outcome"][key].items():
            outcomes[key][cls] = outcomes[key].get(cls, 0) + n


def _new_run(run_id: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": run_id,
        "uuid": "",
        "spec_name": "",
        "recipe": "",
        "policy": {},
        "seed": 0,
        "replay_of": "",
        "from_gate": "",
        "status": "running",
        "reason": "",
        "started_at": "",
        "completed_at": "",
        "rejects_by_gate": {},
        "rejects_by_reason": {},
        "by_model": {},  # model -> calls, prompt_tokens, completion_tokens, cost_usd, errors
        "by_role": {},  # role -> the same
        "by_outcome": _new_outcomes(),  # ok, failed, failed calls by error class, and retries
    }
    row.update({k: 0 for k in _COUNTS})
    row.update(receipt_sums(()))
    return row


class RunStats(JsonView):
    """Per-run counters; candidate facts are attributed to runs through their Drafted/DraftFailed fact."""

    name: ClassVar[str] = "run_stats"
    schema: ClassVar[int] = 5  # 3: replay_of and from_gate; 4: calls by model, role and outcome; 5: retries

    runs: dict[str, dict[str, Any]]
    uuids: dict[str, str]  # run aggregate id -> run id
    # Candidate facts after the draft carry no run id: remember it while the candidate is open.
    open: dict[str, str]
    marked: dict[str, list[str]]  # open candidate -> flags counted
    fields: ClassVar[tuple[str, ...]] = ("runs", "uuids", "open", "marked")

    on: ClassVar[dict[type, str | None]] = {
        f.RunStarted: "_started",
        f.LeverPulled: "_pulled",  # a CandidateCarried too: it counts as a pull
        f.RunCompleted: "_completed",
        f.CandidateSettled: None,
        f.Drafted: "_drafted",
        f.DraftFailed: "_drafted",
        f.GatePassed: "_calls",  # most of a ledger: only their calls count here
        f.GateFailed: "_calls",
        f.Repaired: "_calls",
        f.Fact: "_candidate_fact",  # every other fact: counted when it is an open candidate's
    }

    def _started(self, env: f.Envelope) -> None:
        fact, oid = cast(f.RunStarted, env.fact), env.originator_id
        row = self._row(fact.run_id)
        row.update(
            uuid=oid,
            spec_name=fact.spec_name,
            recipe=fact.recipe,
            seed=fact.seed,
            policy=msgspec.to_builtins(fact.policy),
            started_at=env.timestamp,
            replay_of=fact.replay_of,
            from_gate=fact.from_gate,
        )
        self.uuids[oid] = fact.run_id

    def _row(self, run_id: str) -> dict[str, Any]:
        row = self.runs.get(run_id)
        if row is None:
            row = self.runs[run_id] = _new_run(run_id)
        return row

    def _pulled(self, env: f.Envelope) -> None:
        run_id = self.uuids.get(env.originator_id)
        if run_id is not None:
            self.runs[run_id]["attempts"] += 1

    def _completed(self, env: f.Envelope) -> None:
        run_id = self.uuids.get(env.originator_id)
        if run_id is not None:
            reason = cast(f.RunCompleted, env.fact).reason
            self.runs[run_id].update(status="completed", reason=reason, completed_at=env.timestamp)

    def _drafted(self, env: f.Envelope) -> None:
        fact = cast(f.Drafted | f.DraftFailed, env.fact)
        self.open[env.originator_id] = fact.run_id
        row = self._row(fact.run_id)
        row["drafted" if isinstance(fact, f.Drafted) else "failed_drafts"] += 1
        call_sums(fact.receipts, row)

    def _calls(self, env: f.Envelope) -> None:
        receipts = receipts_of(env.fact)  # GatePassed, GateFailed, Repaired
        if receipts and (run_id := self.open.get(env.originator_id)) is not None:
            call_sums(receipts, self.runs[run_id])

    def _candidate_fact(self, env: f.Envelope) -> None:
        fact, oid = env.fact, env.originator_id
        run_id = self.open.get(oid)
        if run_id is None:
            return
        row = self.runs[run_id]
        # Every candidate fact with receipts (gate results, Repaired, Probed) counts its calls here.
        receipts = getattr(fact, "receipts", None)
        if receipts:
            call_sums(receipts, row)
        if isinstance(fact, f.Rejected):
            del self.open[oid]
            self.marked.pop(oid, None)
            row["rejected"] += 1
            gates = row["rejects_by_gate"]
            gates[fact.gate] = gates.get(fact.gate, 0) + 1
            reasons = row["rejects_by_reason"].setdefault(fact.gate, {})
            reason = normalise(fact.reason)
            reasons[reason] = reasons.get(reason, 0) + 1
        elif isinstance(fact, f.Probed):
            # Each flag counts once per candidate, though a repair may make it probe again.
            marked = self.marked.setdefault(oid, [])
            for flag in ("teeth", "suspect"):
                if getattr(fact, flag) and flag not in marked:
                    marked.append(flag)
                    row[flag] += 1
        elif isinstance(fact, f.Queued):
            row["queued"] += 1
        elif isinstance(fact, f.VerdictGiven):
            del self.open[oid]
            self.marked.pop(oid, None)
            row["declined" if fact.verdict == "reject" else "approved"] += 1

    # --- queries -----------------------------------------------------------------------------

    def rows(self) -> list[dict[str, Any]]:
        """Runs in the order they started, each with ``tokens`` and ``in_flight`` filled in."""
        out = []
        for row in sorted(self.runs.values(), key=lambda r: (r["started_at"], r["run_id"])):
            row = dict(row, tokens=row["prompt_tokens"] + row["completion_tokens"])
            row["in_flight"] = max(row["attempts"] - row["queued"] - row["rejected"], 0)
            out.append(row)
        return out

    def run(self, run_id: str) -> dict[str, Any] | None:
        return next((r for r in self.rows() if r["run_id"] == run_id), None)

    def totals(self) -> dict[str, Any]:
        """Sums across runs, with rejects by gate and by (gate, reason), and calls by model, role and outcome,
        merged."""
        total: dict[str, Any] = {k: 0 for k in _COUNTS + _SPEND + ("tokens", "in_flight")}
        total.update(runs=len(self.runs), running=0, cost_usd=0.0, rejects_by_gate={}, rejects_by_reason={})
        total.update(by_model={}, by_role={}, by_outcome=_new_outcomes())
        for row in self.rows():
            total["running"] += row["status"] == "running"
            for k in _COUNTS + _SPEND + ("tokens", "in_flight"):
                total[k] += row[k]
            for gate, n in row["rejects_by_gate"].items():
                total["rejects_by_gate"][gate] = total["rejects_by_gate"].get(gate, 0) + n
            for gate, reasons in row["rejects_by_reason"].items():
                merged = total["rejects_by_reason"].setdefault(gate, {})
                for reason, n in reasons.items():
                    merged[reason] = merged.get(reason, 0) + n
            _merge_calls(total, row)
        total["cost_usd"] = round(total["cost_usd"], 10)
        return total

    def summary(self) -> dict[str, Any]:
        return {"runs": len(self.runs), "open_candidates": len(self.open)}
