"""How well the gates hold up on drafts the offline panel never wrote: Assay's own planted-flaw benchmark.

    python bench/validity.py [--attempts 400] [--rate 0.5] [--concurrency 4] [--seed 1] [--json] [--keep DIR]

The author is bench/validity_author.py, a litellm provider of its own; every other role is the stock
``local/*`` panel of specs/arithmetic.toml. It runs the real ``assay run`` (embedded nats-server, a SQLite
ledger in a temp home), then reads the ledger and the author's plant log and prints, per planted family:
planted, caught by the gate meant for it, caught by another gate, repaired (of those caught), escaped to the
queue; the false-reject rate of clean drafts (difficulty rejects excluded); and the template-duplicate pairs
among queued points (number-masked word-bigram Jaccard >= 0.9, measured here, not with the gates' own code).

Targets: every family caught >= 95%; clean false rejects <= 5%; 0 template-duplicate pairs among queued.
A queued duplicate whose source never reached the queue duplicates nothing there: it is counted "moot", apart.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from validity_author import FAMILIES, bigrams, key, masked, template_similarity  # noqa: E402

from domain import facts as f  # noqa: E402
from recipes.ground_truth import items  # noqa: E402

MEANT = {
    "wrong_reference": ("oracle",),
    "lenient_grader": ("counter",),
    "leak": ("gameability",),
    "ambiguity": ("realism", "difficulty"),
    "renamed_duplicate": ("novelty",),
    "one_renamed_duplicate": ("novelty",),
    "paraphrase_duplicate": ("novelty",),
}
DUPLICATES = ("renamed_duplicate", "one_renamed_duplicate", "paraphrase_duplicate")
TARGET_CAUGHT, TARGET_FALSE_REJECT, TEMPLATE_SIMILARITY = 0.95, 0.05, 0.9


@dataclass
class Story:
    """One candidate as the ledger tells it."""

    first_prompt: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    flagged: list[str] = field(default_factory=list)  # gates that failed it, in order
    repaired: bool = False
    outcome: str = ""  # "queued" | "rejected" | "" (never settled)
    gate: str = ""  # the rejecting gate
    reason: str = ""


def stories(store_url: str) -> dict[str, Story]:
    from adapters.ledger import iter_envelopes, open_ledger

    out: dict[str, Story] = defaultdict(Story)
    for env in iter_envelopes(open_ledger(store_url)):
        fact, s = env.fact, out[env.originator_id]
        if isinstance(fact, f.Drafted):
            s.first_prompt, s.payload = str(fact.payload.get("prompt", "")), dict(fact.payload)
        elif isinstance(fact, f.GateFailed):
            s.flagged.append(fact.gate)
        elif isinstance(fact, f.Repaired):
            s.repaired, s.payload = True, dict(fact.payload)
        elif isinstance(fact, f.Rejected):
            s.outcome, s.gate, s.reason = "rejected", fact.gate, fact.reason
        elif isinstance(fact, f.Queued):
            s.outcome = "queued"
    return {cid: s for cid, s in out.items() if s.first_prompt}


def still_flawed(family: str, plant: dict[str, Any], payload: dict[str, Any]) -> bool:
    """Whether a queued point still carries the flaw that was planted in its draft."""
    prompt = str(payload.get("prompt", ""))
    if family == "wrong_reference":
        return items.accepts(payload, plant["wrong"]) or not items.accepts(payload, plant["truth"])
    if family == "lenient_grader":
        return any(items.accepts(payload, w) for w in plant["wrongs"])
    if family in ("leak", "ambiguity"):
        return plant["sentence"] in prompt
    return True  # a duplicate stays one; whether its source is queued decides (see tally)


def template_pairs(prompts: list[str]) -> tuple[int, int]:
    """(pairs with number-masked word-bigram Jaccard >= 0.9, pairs identical once masked)."""
    grams = [bigrams(p) for p in prompts]
    near = same = 0
    for a, b in itertools.combinations(range(len(prompts)), 2):
        if template_similarity(grams[a], grams[b]) >= TEMPLATE_SIMILARITY:
            near += 1
            same += masked(prompts[a]) == masked(prompts[b])
    return near, same


def tally(plants: dict[str, dict[str, Any]], told: dict[str, Story]) -> dict[str, Any]:
    by_key = {key(s.first_prompt): s for s in told.values()}
    rows: dict[str, dict[str, Any]] = {
        fam: {
            "planted": 0,
            "caught_by_meant_gate": 0,
            "caught_other": 0,
            "repaired": 0,
            "escaped": 0,
            "moot": 0,
            "gates": defaultdict(int),
        }
        for fam in FAMILIES
    }
    clean: dict[str, Any] = {
        "drafts": 0,
        "template_repeats": 0,
        "queued": 0,
        "rejected_difficulty": 0,
        "false_rejects": 0,
        "reasons": defaultdict(int),
    }
    for story in told.values():
        plant = plants.get(key(story.first_prompt))
        if plant is None or story.outcome == "":
            continue
        family = plant["family"]
        if family == "clean" and plant.get("template_repeat"):
            clean["template_repeats"] += 1  # the author ran out of fresh wordings: a duplicate, not clean
            continue
        if family == "clean":
            clean["drafts"] += 1
            if story.outcome == "queued":
                clean["queued"] += 1
            elif story.gate == "difficulty":
                clean["rejected_difficulty"] += 1
            else:
                clean["false_rejects"] += 1
                reason = re.sub(r" \(.*", "", story.reason)  # the variable part sits in parentheses
                clean["reasons"][f"{story.gate}: {reason}"] += 1
            continue
        row = rows[family]
        row["planted"] += 1
        meant = next((g for g in story.flagged if g in MEANT[family]), None)
        if story.outcome == "queued" and family in DUPLICATES:
            source = by_key.get(key(plant["source"]))
            if source is None or source.outcome != "queued":
                row["moot"] += 1  # its source never reached the queue: it duplicates nothing there
                continue
        if story.outcome == "queued":
            if still_flawed(family, plant, story.payload):
                row["escaped"] += 1
                continue
            row["repaired"] += 1
        if meant is not None:
            row["caught_by_meant_gate"] += 1
            row["gates"][meant] += 1
        else:  # rejected by another gate, or repaired away after another gate asked for a repair
            row["caught_other"] += 1
            row["gates"][story.gate if story.outcome == "rejected" else (story.flagged or ["repair"])[0]] += 1
    for row in rows.values():
        judged = row["planted"] - row["moot"]
        row["caught_rate"] = round((judged - row["escaped"]) / judged, 4) if judged else None
        row["gates"] = dict(row["gates"])
    clean["false_reject_rate"] = round(clean["false_rejects"] / clean["drafts"], 4) if clean["drafts"] else None
    clean["reasons"] = dict(clean["reasons"])
    queued = [s.payload.get("prompt", "") for s in told.values() if s.outcome == "queued"]
    near, same = template_pairs([str(p) for p in queued])
    worst = min((r["caught_rate"] for r in rows.values() if r["caught_rate"] is not None), default=None)
    return {
        "families": rows,
        "clean": clean,
        "queued": len(queued),
        "template_duplicate_pairs": near,
        "identical_template_pairs": same,
        "targets": {
            "every_family_caught": {
                "target": TARGET_CAUGHT,
                "worst": worst,
                "met": worst is not None and worst >= TARGET_CAUGHT,
            },
            "clean_false_rejects": {
                "target": TARGET_FALSE_REJECT,
                "rate": clean["false_reject_rate"],
                "met": clean["false_reject_rate"] is not None and clean["false_reject_rate"] <= TARGET_FALSE_REJECT,
            },
            "template_duplicate_pairs": {"target": 0, "pairs": near, "met": near == 0},
        },
    }


def spec_text(semantic: bool) -> str:
    """specs/arithmetic.toml with the validity author in place of the panel's (and the semantic stage on)."""
    text = (ROOT / "specs" / "arithmetic.toml").read_text()
    text = re.sub(r'(?m)^author = "local/author"', 'author = "validity/author"', text)
    text = re.sub(r'(?m)^name = "arithmetic"', 'name = "validity"', text)
    if semantic:
        text = re.sub(r"(?m)^\[gates\]\n", "[gates]\nsemantic = true\n", text)
    return text


def semantic_available() -> bool:
    from domain.spec import Gates

    return "semantic" in Gates.__struct_fields__


def run(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    plants_file = home / "plants.jsonl"
    spec = home / "validity.toml"
    semantic = semantic_available() and not args.no_semantic
    spec.write_text(spec_text(semantic))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env.update(
        ASSAY_HOME=str(home / "home"),
        ASSAY_LOG_LEVEL="ERROR",
        ASSAY_LLM_PROVIDERS="panel.provider,validity_author",
        ASSAY_VALIDITY_LOG=str(plants_file),
        ASSAY_VALIDITY_RATE=str(args.rate),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "bench"), str(ROOT), env.get("PYTHONPATH", "")])),
    )
    command = [str(Path(sys.executable).with_name("assay")), "run", str(spec), "--quiet"]
    command += ["--attempts", str(args.attempts), "--concurrency", str(args.concurrency), "--seed", str(args.seed)]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=home)
    if done.returncode != 0:
        raise SystemExit(f"assay run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    elapsed = time.perf_counter() - started
    plants = {}
    for line in plants_file.read_text().splitlines():
        row = json.loads(line)
        plants[row["key"]] = row
    report = tally(plants, stories(f"sqlite:///{home / 'home' / 'ledger.sqlite'}"))
    report["run"] = {
        "attempts": args.attempts,
        "rate": args.rate,
        "seed": args.seed,
        "concurrency": args.concurrency,
        "semantic": semantic,
        "seconds": round(elapsed, 1),
    }
    return report


def render(report: dict[str, Any]) -> str:
    r = report["run"]
    lines = [
        f"attempts {r['attempts']}, plant rate {r['rate']}, seed {r['seed']}, semantic stage "
        f"{'on' if r['semantic'] else 'off'}, {r['seconds']} s",
        "",
        f"{'family':24} {'planted':>7} {'meant gate':>10} {'other':>6} {'repaired':>8} {'escaped':>7} {'moot':>5} "
        f"{'caught':>7}  by gate",
    ]
    for fam, row in report["families"].items():
        rate = "n/a" if row["caught_rate"] is None else f"{row['caught_rate']:.0%}"
        gates = ", ".join(f"{g} {n}" for g, n in sorted(row["gates"].items(), key=lambda x: -x[1]))
        lines.append(
            f"{fam:24} {row['planted']:7} {row['caught_by_meant_gate']:10} {row['caught_other']:6} "
            f"{row['repaired']:8} {row['escaped']:7} {row['moot']:5} {rate:>7}  {gates}"
        )
    c = report["clean"]
    lines += [
        "",
        f"clean drafts {c['drafts']}: queued {c['queued']}, rejected at difficulty {c['rejected_difficulty']}, "
        f"false rejects {c['false_rejects']} ({(c['false_reject_rate'] or 0):.1%}); "
        f"{c['template_repeats']} more repeated an earlier template (left out)",
    ]
    lines += [f"  {reason}: {n}" for reason, n in sorted(c["reasons"].items(), key=lambda x: -x[1])]
    lines.append(
        f"queued points {report['queued']}: template-duplicate pairs (masked similarity >= {TEMPLATE_SIMILARITY}) "
        f"{report['template_duplicate_pairs']}, identical once masked {report['identical_template_pairs']}"
    )
    lines.append("")
    t = report["targets"]
    for label, target, shown in (
        ("every family caught >= 95%", t["every_family_caught"], f"worst {t['every_family_caught']['worst']}"),
        ("clean false rejects <= 5%", t["clean_false_rejects"], f"{t['clean_false_rejects']['rate']}"),
        (
            "0 template-duplicate pairs among queued",
            t["template_duplicate_pairs"],
            f"{t['template_duplicate_pairs']['pairs']}",
        ),
    ):
        lines.append(f"target {label}: {shown} {'MET' if target['met'] else 'MISSED'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=400)
    parser.add_argument("--rate", type=float, default=0.5, help="share of drafts carrying a planted flaw")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-semantic", action="store_true", help="leave the embedding stage off")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--keep", type=Path, help="keep the run here (an empty folder): ledger, spec, plant log")
    args = parser.parse_args()
    if args.keep is not None:
        if args.keep.exists() and any(args.keep.iterdir()):
            raise SystemExit(f"--keep {args.keep}: the folder is not empty")
        args.keep.mkdir(parents=True, exist_ok=True)
        report = run(args, args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = run(args, Path(tmp))
    print(json.dumps(report, sort_keys=True) if args.json else render(report))


if __name__ == "__main__":
    main()
