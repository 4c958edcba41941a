"""`assay grade`: score any output against a rubric file with one or more judge models. Writes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from cli.bounds import ranged
from cli.errors import UserError
from cli.output import JSON_OPT, add_row, make_table, money, print_json
from cli.root import app
from domain import bounds as b


def _read(path: Path, what: str) -> str:
    from app.files import read_text

    return read_text(path, f"{what} file")


async def _judge_all(judges: list[str], prompt: str, output: str, texts: list[str]) -> list[tuple[str, Any]]:
    from adapters.llm import LLM, ModelError
    from recipes.rubric import items, prompts

    llm = LLM()

    async def one(model: str) -> tuple[str, Any]:
        try:
            reply = await llm.complete("judge", model, prompts.judge(prompt, output, texts), seed=0, temperature=0.0)
        except ModelError as exc:
            raise UserError(f"--judge {model}: the model call failed: {exc}") from None
        present = items.present_list(reply.text, len(texts))
        if present is None:
            raise UserError(
                f"--judge {model}: the reply is not one true/false per criterion: {reply.text[:160]!r}", exit_code=3
            )
        return model, (present, reply.receipt)

    return list(await asyncio.gather(*(one(m) for m in judges)))


@app.command()
def grade(
    rubric: Path = typer.Option(..., "--rubric", help="Rubric file: TOML [[criteria]] rows or JSON."),
    output: Path = typer.Option(..., "--output", help="The output to grade (a text file)."),
    judge: list[str] = typer.Option(..., "--judge", help="A litellm judge model; repeat for several judges."),
    prompt: Path = typer.Option(None, "--prompt", help="The task the output answers (a text file), if known."),
    cap: float = ranged(0.0, "--cap", b.UNIT, "The total when a gate criterion is not met."),
    as_json: bool = JSON_OPT,
) -> None:
    """Score an output against a rubric: per criterion yes/no, equal weights, gate cap, per-type subscores."""
    from domain.rubric import RubricError, as_rows, parse_rubric, raw_agreement, score

    try:
        criteria = parse_rubric(_read(rubric, "rubric"), str(rubric))
    except RubricError as exc:
        raise UserError(str(exc)) from None
    text = _read(output, "output")
    if not text.strip():
        raise UserError(f"{output}: the output to grade is empty")
    task = _read(prompt, "prompt") if prompt is not None else "(not given)"
    judged = asyncio.run(_judge_all(judge, task, text, [c.text for c in criteria]))
    votes = [[present[i] for _, (present, _) in judged] for i in range(len(criteria))]
    majority = [sum(v) * 2 > len(v) for v in votes]  # ties count as "not shown"
    total = score(criteria, majority, cap)
    per_judge = {m: score(criteria, present, cap) for m, (present, _) in judged}
    agreement = [raw_agreement([v]) if len(v) > 1 else None for v in votes]
    cost = sum(r.cost_usd for _, (_, r) in judged)
    result = {
        "rubric": str(rubric),
        "output": str(output),
        "judges": judge,
        "cap": cap,
        "total": total.total,
        "raw": total.raw,
        "capped": total.capped,
        "by_type": total.by_type,
        "per_judge": {m: {"total": s.total, "by_type": s.by_type} for m, s in per_judge.items()},
        "criteria": [
            {
                **row,
                "present": majority[i],
                "satisfied": total.satisfied[i],
                "votes": votes[i],
                "agreement": agreement[i],
            }
            for i, row in enumerate(as_rows(criteria))
        ],
        "cost_usd": round(cost, 8),
    }
    if as_json:
        print_json(result)
        return
    _print(result, Console())


def _print(result: dict[str, Any], console: Console) -> None:
    several = len(result["judges"]) > 1
    table = make_table(
        f"{result['output']} graded with {result['rubric']}",
        "# criterion tags met" + (" shown agree" if several else ""),
        wrap="criterion tags",
        right="#",
    )
    for i, row in enumerate(result["criteria"], 1):
        met = "yes" if row["satisfied"] else ("NO" if row["criticality"] == "gate" else "no")
        tags = " · ".join([row["type"], row["polarity"], *(["gate"] if row["criticality"] == "gate" else [])])
        extra = [f"{sum(row['votes'])}/{len(row['votes'])}", f"{row['agreement']:.2f}"] if several else []
        add_row(table, i, row["text"], tags, met, *extra)
    console.print(table)
    capped = f" (capped from {result['raw']:.2f}: a gate criterion is not met)" if result["capped"] else ""
    console.print(f"total {result['total']:.2f}{capped}", style="bold", markup=False)
    console.print("by type: " + ", ".join(f"{k} {v:.2f}" for k, v in result["by_type"].items()), markup=False)
    if several:
        console.print(
            "per judge: " + ", ".join(f"{m} {s['total']:.2f}" for m, s in result["per_judge"].items()), markup=False
        )
    console.print(f"{len(result['judges'])} judge call(s), {money(result['cost_usd'])}", markup=False)
