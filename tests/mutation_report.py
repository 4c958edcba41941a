"""Per-module mutation scores from mutmut's results in mutants/, checked against docs/testing.md.

    python tests/mutation_report.py [domain/chain.py ...] [--min 90]

Prints one row per module of domain/ (or only the named ones): mutants, killed, equivalent, other survivors,
raw score (killed / mutants) and the score with the equivalent mutants left out. A mutant is "equivalent" when
docs/testing.md names it (e.g. ``domain.chain.x_link__mutmut_7``) in a "## Surviving mutants" section. Exits 1
when a module's raw score is below ``--min`` percent, when a surviving mutant is neither killed nor listed, or
when a listed mutant no longer survives (the list has gone stale).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "testing.md"
KILLED = {1, 3, 24, -24, 152, 255, 36}  # mutmut's exit codes for "killed" and "timeout" (a hung mutant is caught)
SURVIVED = 0
MUTANT_NAME = re.compile(r"domain\.\w+\.x[_ǁ][\wǁ]*?__mutmut_\d+")


def equivalents(doc: Path = DOC) -> set[str]:
    """The mutant names in the "## Surviving mutants" sections of docs/testing.md."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    sections = re.split(r"(?m)^(?=## )", text)
    return {name for s in sections if s.startswith("## Surviving mutants") for name in MUTANT_NAME.findall(s)}


def results(module: Path) -> dict[str, int | None]:
    meta = ROOT / "mutants" / (str(module) + ".meta")
    if not meta.exists():
        return {}
    return dict(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="paths like domain/chain.py (default: every module of domain/)")
    parser.add_argument("--min", type=float, default=90.0, help="lowest acceptable raw score, percent")
    args = parser.parse_args(argv)
    modules = [Path(m) for m in args.modules] or sorted(p.relative_to(ROOT) for p in (ROOT / "domain").glob("*.py"))
    listed = equivalents()
    problems: list[str] = []
    print(f"{'module':<28} {'mutants':>7} {'killed':>7} {'equiv':>6} {'other':>6} {'raw':>7} {'non-eq':>7}")
    for module in modules:
        codes = results(module)
        if not codes:
            print(f"{str(module):<28} {'-':>7}  (no mutants, or not run yet)")
            continue
        killed = sum(code in KILLED for code in codes.values())
        survivors = {name for name, code in codes.items() if code == SURVIVED}
        equivalent = survivors & listed
        other = len(codes) - killed - len(equivalent)
        raw = 100.0 * killed / len(codes)
        non_eq = 100.0 * killed / (len(codes) - len(equivalent)) if len(codes) > len(equivalent) else 100.0
        counts = f"{len(codes):>7} {killed:>7} {len(equivalent):>6} {other:>6}"
        print(f"{str(module):<28} {counts} {raw:>6.1f}% {non_eq:>6.1f}%")
        if raw < args.min:
            problems.append(f"{module}: raw score {raw:.1f}% is below {args.min:g}%")
        for name in sorted(survivors - listed):
            problems.append(f"{name} survives and is not listed as equivalent in docs/testing.md")
        prefix = ".".join(module.with_suffix("").parts) + "."
        for name in sorted(n for n in listed if n.startswith(prefix) and codes.get(n, SURVIVED) != SURVIVED):
            problems.append(f"{name} is listed as equivalent but is {'gone' if name not in codes else 'killed'}")
        for name, code in sorted(codes.items()):
            if code not in KILLED and code != SURVIVED:
                problems.append(f"{name}: mutmut exit code {code} (not checked, no tests, or suspicious)")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
