"""Gate calibration from human verdicts, for `assay status` and the review page (blocking calls).

How often reviewers reject or edit points the gates passed, per gate, per recipe and checklist version, by
band, solve rate and repair history, with their reasons grouped (projections.gate_calibration). The shape
is documented in docs/calibration.md.
"""

from __future__ import annotations

from typing import Any

from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from adapters.views import catch_up
from projections.gate_calibration import GateCalibration


def calibration(ledger: AssayLedger, tracking: TrackingStore) -> dict[str, Any]:
    """``GateCalibration.report()`` with the view brought up to the ledger's end."""
    return catch_up(ledger, tracking, GateCalibration).report()


GROUPS = ("all", "gate", "checklist", "band", "solve rate", "repairs", "repaired gate")


def ratio_text(part: int, whole: int) -> str:
    """``50% (2/4)``, or ``- (0/0)`` with nothing to divide by (as the checklist rates are written)."""
    return f"{f'{100 * part / whole:.0f}%' if whole else '-'} ({part}/{whole})"


def table(report: dict[str, Any], versions: int = 8, reasons: int = 2) -> list[dict[str, Any]]:
    """The calibration as rows both faces print, group by group (``GROUPS``): ``group``, ``label``, the counts,
    ``rejected_text`` and ``edited_text`` (``ratio_text`` of the decided) and the ``reasons`` most given (reject
    reasons, then edit reasons marked "edit: ", at most ``reasons``, each with its count). Gates with the same
    verdicts share one row, labelled with their names: every queued point passed every gate of its recipe, so
    within one recipe all its gates count alike. Per recipe, checklist versions before the newest ``versions``
    are summed into one row (the JSON has every version)."""
    out = [_row("all", "", report, reasons)]
    out += [_row("gate", ", ".join(gates), r, reasons) for gates, r in _alike(report["by_gate"])]
    for recipe, rows in report["by_checklist"].items():
        out += [_row("checklist", f"{recipe} {label}", r, reasons) for label, r in _versions(rows, versions)]
    out += [_row("band", band, r, reasons) for band, r in report["by_band"].items()]
    out += [_row("solve rate", label, r, reasons) for label, r in report["by_solve_rate"].items()]
    out += [_row("repairs", history, r, reasons) for history, r in report["by_repair"].items()]
    out += [_row("repaired gate", gate, r, reasons) for gate, r in report["by_repaired_gate"].items()]
    return out


def _alike(by_gate: dict[str, dict[str, Any]]) -> list[tuple[list[str], dict[str, Any]]]:
    """Gates grouped by equal verdict counts and reasons, in the order each group's first gate comes."""
    groups: dict[str, tuple[list[str], dict[str, Any]]] = {}
    for gate, r in by_gate.items():
        key = repr([r[k] for k in ("decided", "approved", "edited", "rejected", "reasons", "edit_reasons")])
        groups.setdefault(key, ([], r))[0].append(gate)
    return list(groups.values())


def reasons_table(report: dict[str, Any], top: int = 10) -> list[dict[str, Any]]:
    """Every reason given, grouped: ``reason``, ``rejected`` and ``edited`` (how many rejections and edits gave
    it), the most given first; at most ``top`` rows."""
    counts: dict[str, list[int]] = {}
    for key, i in (("reasons", 0), ("edit_reasons", 1)):
        for reason, n in report[key].items():
            counts.setdefault(reason, [0, 0])[i] += n
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:top]
    return [{"reason": reason, "rejected": r, "edited": e} for reason, (r, e) in ranked]


def _row(group: str, label: str, r: dict[str, Any], top: int) -> dict[str, Any]:
    def ranked(counts: dict[str, int], mark: str = "") -> list[str]:
        return [f"{mark}{reason} ×{n}" for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    return {
        "group": group,
        "label": label,
        **{k: r[k] for k in ("decided", "approved", "edited", "rejected")},
        "rejected_text": ratio_text(r["rejected"], r["decided"]),
        "edited_text": ratio_text(r["edited"], r["decided"]),
        "reasons": (ranked(r["reasons"]) + ranked(r["edit_reasons"], "edit: "))[:top],
    }


def _versions(rows: list[dict[str, Any]], last: int) -> list[tuple[str, dict[str, Any]]]:
    """(label, row) per checklist version; all but the newest ``last - 1`` summed into one when there are more."""
    labelled = [(f"v{r['version']}", r) for r in rows]
    if len(rows) <= last:
        return labelled
    early, later = rows[: -(last - 1)], labelled[-(last - 1) :]
    merged: dict[str, Any] = {k: sum(r[k] for r in early) for k in ("decided", "approved", "edited", "rejected")}
    for key in ("reasons", "edit_reasons"):
        merged[key] = {}
        for r in early:
            for reason, n in r[key].items():
                merged[key][reason] = merged[key].get(reason, 0) + n
    return [(f"v{early[0]['version']}-v{early[-1]['version']}", merged), *later]
