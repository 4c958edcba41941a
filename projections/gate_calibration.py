"""Gate calibration: how often reviewers reject (or have to edit) points the gates passed, and why.

Every verdict is on a queued point, one that passed every gate of its recipe. Each verdict is counted once
in each breakdown: per gate the point passed (and per version of that gate's code and configuration), per
recipe and checklist version its author saw, per difficulty band and solve rate, and by repair history
(never repaired, repaired at least once, and per gate whose failure was repaired). An edit counts apart
from an approval: the gates let something imperfect through that a reviewer had to fix.

Reasons are grouped as the checklist groups them (``projections.checklist.normalise``).
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from domain import facts as f
from projections.base import JsonView
from projections.checklist import normalise
from projections.reflection import rate

_COUNTS = ("decided", "approved", "edited", "rejected")
_VERDICT_COUNT = {"approve": "approved", "edit": "edited", "reject": "rejected"}
UNPROBED = "unprobed"  # band and solve-rate key of a point queued without a probe
NEVER, REPAIRED = "never", "repaired"
# Solve-rate bins, upper bounds exclusive but the last: (label, upper bound).
SOLVE_BINS = (("0-25%", 0.25), ("25-50%", 0.5), ("50-75%", 0.75), ("75-100%", 1.0))


def solve_bin(solve_rate: float | None) -> str:
    """The solve-rate bin of a probed point (``UNPROBED`` without a probe)."""
    if solve_rate is None:
        return UNPROBED
    return next((label for label, upper in SOLVE_BINS if solve_rate < upper), SOLVE_BINS[-1][0])


def _new_bucket() -> dict[str, Any]:
    return {**dict.fromkeys(_COUNTS, 0), "reasons": {}, "edit_reasons": {}}


def _add(bucket: dict[str, Any], counted: str, reason: str) -> None:
    bucket["decided"] += 1
    bucket[counted] += 1
    if reason and counted != "approved":
        reasons = bucket["reasons" if counted == "rejected" else "edit_reasons"]
        reasons[reason] = reasons.get(reason, 0) + 1


def row(bucket: dict[str, Any]) -> dict[str, Any]:
    """A bucket with its rates: of the decided points, the share approved as they were, edited, rejected, and
    missed (edited or rejected: the gates let through something a reviewer found wrong); None with no verdict."""
    decided = bucket["decided"]
    return {
        **{k: bucket[k] for k in _COUNTS},
        "approve_rate": rate(bucket["approved"], decided),
        "edit_rate": rate(bucket["edited"], decided),
        "reject_rate": rate(bucket["rejected"], decided),
        "miss_rate": rate(bucket["edited"] + bucket["rejected"], decided),
        "reasons": dict(bucket["reasons"]),
        "edit_reasons": dict(bucket["edit_reasons"]),
    }


class GateCalibration(JsonView):
    """Verdict counts and grouped reasons per gate, gate version, checklist version, band, solve rate and repair
    history; open candidates remember what they passed until a rejection or a verdict settles them."""

    name: ClassVar[str] = "gate_calibration"
    schema: ClassVar[int] = 1

    # candidate id -> {"recipe", "version", "passed": {gate: gate_version}, "repaired": {gate: n}, "band",
    # "solve_rate"}
    open: dict[str, dict[str, Any]]
    total: dict[str, Any]  # one bucket over every verdict
    gates: dict[str, dict[str, Any]]  # gate -> bucket
    gate_versions: dict[str, dict[str, dict[str, Any]]]  # gate -> gate_version -> bucket
    checklists: dict[str, dict[str, dict[str, Any]]]  # recipe -> str(checklist version) -> bucket
    bands: dict[str, dict[str, Any]]  # band (or UNPROBED) -> bucket
    solve_rates: dict[str, dict[str, Any]]  # solve_bin -> bucket
    repairs: dict[str, dict[str, Any]]  # NEVER | REPAIRED -> bucket
    repaired_gates: dict[str, dict[str, Any]]  # gate whose failure was repaired -> bucket
    fields: ClassVar[tuple[str, ...]] = (
        "open",
        "total",
        "gates",
        "gate_versions",
        "checklists",
        "bands",
        "solve_rates",
        "repairs",
        "repaired_gates",
    )

    on: ClassVar[dict[type, str | None]] = {
        f.Drafted: "_drafted",
        f.GatePassed: "_passed",
        f.Repaired: "_repaired",
        f.Probed: "_probed",
        f.Queued: "_queued",
        f.Rejected: "_rejected",
        f.VerdictGiven: "_verdict",
    }

    def _drafted(self, env: f.Envelope) -> None:
        # Replays count too: a verdict on a replayed point is a verdict on what today's gates passed (its source's
        # repairs before from_gate are not re-recorded, so it counts as never repaired there).
        fact = cast(f.Drafted, env.fact)
        self.open[env.originator_id] = {
            "recipe": fact.recipe,
            "version": fact.checklist_version,
            "passed": {},
            "repaired": {},
            "band": "",
            "solve_rate": None,
        }

    def _passed(self, env: f.Envelope) -> None:
        point = self.open.get(env.originator_id)
        if point is not None:
            fact = cast(f.GatePassed, env.fact)
            point["passed"][fact.gate] = fact.gate_version

    def _repaired(self, env: f.Envelope) -> None:
        point = self.open.get(env.originator_id)
        if point is not None:
            fact = cast(f.Repaired, env.fact)
            point["repaired"][fact.gate] = point["repaired"].get(fact.gate, 0) + 1
            for gate in fact.invalidated:  # passed again on the repaired payload before it could be queued
                point["passed"].pop(gate, None)

    def _probed(self, env: f.Envelope) -> None:
        point = self.open.get(env.originator_id)
        if point is not None:
            fact = cast(f.Probed, env.fact)
            point.update(band=fact.band, solve_rate=fact.solve_rate)

    def _queued(self, env: f.Envelope) -> None:
        point = self.open.get(env.originator_id)
        if point is not None:
            point["band"] = cast(f.Queued, env.fact).band or point["band"]

    def _rejected(self, env: f.Envelope) -> None:
        self.open.pop(env.originator_id, None)

    def _verdict(self, env: f.Envelope) -> None:
        point = self.open.pop(env.originator_id, None)
        if point is None:
            return
        fact = cast(f.VerdictGiven, env.fact)
        counted = _VERDICT_COUNT[fact.verdict]
        reason = normalise(fact.reason) if fact.reason.strip() else ""
        if not self.total:  # a fresh view starts every field as {}
            self.total.update(_new_bucket())
        buckets = [
            self.total,
            self._bucket(self.checklists.setdefault(point["recipe"], {}), str(point["version"])),
            self._bucket(self.bands, point["band"] or UNPROBED),
            self._bucket(self.solve_rates, solve_bin(point["solve_rate"])),
            self._bucket(self.repairs, REPAIRED if point["repaired"] else NEVER),
        ]
        for gate, gate_version in point["passed"].items():
            buckets.append(self._bucket(self.gates, gate))
            buckets.append(self._bucket(self.gate_versions.setdefault(gate, {}), gate_version))
        buckets += [self._bucket(self.repaired_gates, gate) for gate in point["repaired"]]
        for bucket in buckets:
            _add(bucket, counted, reason)

    @staticmethod
    def _bucket(into: dict[str, Any], key: str) -> dict[str, Any]:
        bucket = into.get(key)
        if bucket is None:
            bucket = into[key] = _new_bucket()
        return cast(dict[str, Any], bucket)

    # --- queries -----------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        """The calibration as ``assay status --json`` shows it under ``gate_calibration`` (docs/calibration.md):
        the totals as one row, then rows by gate, by recipe and checklist version, by band, by solve rate, by
        repair history and by repaired gate."""

        def rows(buckets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
            return {key: row(b) for key, b in sorted(buckets.items())}

        return {
            **row(self.total or _new_bucket()),
            "by_gate": {
                gate: {**row(b), "versions": rows(self.gate_versions.get(gate, {}))}
                for gate, b in sorted(self.gates.items())
            },
            "by_checklist": {
                recipe: [{"version": int(v), **row(b)} for v, b in sorted(versions.items(), key=lambda kv: int(kv[0]))]
                for recipe, versions in sorted(self.checklists.items())
            },
            "by_band": rows(self.bands),
            "by_solve_rate": {label: row(self.solve_rates[label]) for label in _bin_order(self.solve_rates)},
            "by_repair": {key: row(self.repairs.get(key) or _new_bucket()) for key in (NEVER, REPAIRED)},
            "by_repaired_gate": rows(self.repaired_gates),
        }

    def summary(self) -> dict[str, Any]:
        return {"decided": (self.total or {}).get("decided", 0), "open_candidates": len(self.open)}


def _bin_order(present: dict[str, Any]) -> list[str]:
    return [label for label in (*(b for b, _ in SOLVE_BINS), UNPROBED) if label in present]
