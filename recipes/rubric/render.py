"""The reviewer's view of a rubric point: Markdown, a pure function of the payload (and of gate details)."""

from __future__ import annotations

from typing import Any


def _cell(value: Any) -> str:
    return " ".join(str(value).split()).replace("|", "\\|")


def _measure(value: Any) -> str:
    """An agreement measure to two places; "n/a" when undefined (kappa of a row every judge answered alike)."""
    return "n/a" if value is None else f"{value:.2f}"


def _rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in payload.get("criteria") or [] if isinstance(r, dict)]


def rubric_table(payload: dict[str, Any], agreement: dict[str, Any] | None = None) -> str:
    """The rubric as a table; ``agreement`` (the agreement gate's detail) adds each row's raw agreement and kappa
    ("n/a" where kappa is undefined)."""
    rows = _rows(payload)
    split = any(r.get("split_from") for r in rows)
    per = {r.get("row"): r for r in (agreement or {}).get("per_criterion", []) if isinstance(r, dict)}
    head = ["#", "criterion", "type", "polarity", "criticality"] + (["split from"] if split else [])
    head += ["agreement (raw / kappa)"] if per else []
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, r in enumerate(rows, 1):
        cells = [
            str(i),
            _cell(r.get("text", "")),
            _cell(r.get("type", "?")),
            _cell(r.get("polarity", "must")),
            _cell(r.get("criticality", "additive")),
        ]
        cells += [_cell(r.get("split_from") or "")] if split else []
        if per:
            got = per.get(i)
            cells.append(f"{_measure(got.get('raw'))} / {_measure(got.get('kappa'))}" if got else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render(payload: dict[str, Any], agreement: dict[str, Any] | None = None) -> str:
    output = str(payload.get("output", "")).replace("```", "'''")
    return "\n\n".join(
        [
            f"**Topic:** {payload.get('topic', '?')} · **Requested difficulty:** {payload.get('difficulty', '?')}",
            f"### Prompt\n\n{payload.get('prompt', '')}",
            f"### Captured output\n\n```text\n{output}\n```",
            f"### Rubric\n\n{rubric_table(payload, agreement)}",
        ]
    )


def sample_table(discriminating: dict[str, Any], agreement: dict[str, Any]) -> str:
    """The sample scores: the captured output (judges' majority) and the writer's good and flawed outputs."""
    samples = list(discriminating.get("samples", []))
    if isinstance(agreement.get("captured"), dict):
        samples.insert(0, agreement["captured"])
    if not samples:
        return ""
    lines = ["| sample | flaw | total | by type |", "|---|---|---|---|"]
    for s in samples:
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in (s.get("by_type") or {}).items())
        lines.append(
            f"| {_cell(s.get('label', '?'))} | {_cell(s.get('flaw', ''))} | {s.get('total', 0):.2f} | {_cell(kinds)} |"
        )
    return "\n".join(lines)


def render_results(payload: dict[str, Any], details: dict[str, dict[str, Any]]) -> str:
    """``render`` with the agreement gate's per-row agreement and the sample scores of discriminating/agreement."""
    agreement, discriminating = details.get("agreement") or {}, details.get("discriminating") or {}
    text = render(payload, agreement)
    if agreement:
        text += (
            f"\n\n**Judge agreement:** {agreement.get('measure', '?')} must reach "
            f"{agreement.get('threshold', '?')} ({len(agreement.get('judges', []))} judges, "
            f"{len(agreement.get('samples', []))} outputs)"
        )
    table = sample_table(discriminating, agreement)
    return f"{text}\n\n### Sample scores\n\n{table}" if table else text
