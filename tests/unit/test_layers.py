"""Assay's architecture (issue 11): layered packages, no import cycles, no folder over a quarter of the code.
Pure: it parses the source with ``ast`` and imports nothing of the project."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The architecture, highest layer first: package -> (layer, same-layer packages it may also import).
# A package may import itself, any package on a lower layer, and the sideways packages listed; nothing else.
# The page (web) is the review service's face: `assay serve` (cli) starts it, it never imports the CLI.
# Projections, recipes and panel import only domain (and recipes).
LAYERS: dict[str, tuple[int, frozenset[str]]] = {
    "cli": (6, frozenset()),  # the typer commands
    "web": (5, frozenset()),  # the Starlette review page, served by `assay serve`
    "app": (4, frozenset()),  # use cases both faces call; the runtime that wires services
    "services": (3, frozenset()),  # event-driven bus services
    "adapters": (2, frozenset()),  # I/O edges: ledger, tracking, bus, llm, config, logs, embeddings, views
    "projections": (1, frozenset({"recipes"})),  # pure folds
    "panel": (1, frozenset({"recipes"})),  # the offline model panel
    "recipes": (1, frozenset()),  # recipe plug-ins
    "domain": (0, frozenset()),  # pure
}
SIZED = (*LAYERS, "bench", "deploy", "examples")  # the folders whose *.py lines the size check counts
MAX_SHARE = 0.25


@dataclass(frozen=True)
class Edge:
    source: str  # the importing module, e.g. "web.reads"
    target: str  # the imported module of the project, resolved to a submodule where the name is one
    path: str  # of the importing file, e.g. "web/reads.py"
    line: int
    type_only: bool  # under `if TYPE_CHECKING:`


def modules(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def edges(root: Path) -> list[Edge]:
    """Every import of one project module by another (module-level, function-level, TYPE_CHECKING), in file order.
    `import a.b.c` is an edge to a.b.c only, not to the packages a and a.b it also runs: else every package
    __init__ that imports its own submodules would be a cycle by construction."""
    mods = modules(root)

    def resolve(name: str) -> str | None:  # the longest prefix that is a project module (None: not ours)
        return next((p for n in range(name.count(".") + 1) if (p := name.rsplit(".", n)[0]) in mods), None)

    found: list[Edge] = []
    for source, path in mods.items():
        tree = ast.parse(path.read_text(), str(path))
        guarded = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
            for statement in node.body
            for inner in ast.walk(statement)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the containing package, one step up per extra dot
                    package = source.split(".")[: None if path.name == "__init__.py" else -1]
                    base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
                names = [f"{base}.{alias.name}" for alias in node.names]  # y a submodule: X.y; else X
            else:
                continue
            for target in sorted({t for t in map(resolve, names) if t is not None and t != source}):
                found.append(Edge(source, target, path.relative_to(root).as_posix(), node.lineno, id(node) in guarded))
    return sorted(found, key=lambda e: (e.path, e.line, e.target))


def cycle_problems(root: Path) -> list[str]:
    """Each import cycle (strongly connected component: modules that reach each other), its modules and the
    imports between them. `if TYPE_CHECKING:` imports are left out here: they never run, so they cannot make an
    import-time cycle (breaking one for an annotation is what they are for); they still count for the layers."""
    runtime = [e for e in edges(root) if not e.type_only]
    graph: dict[str, set[str]] = {m: set() for m in modules(root)}
    for e in runtime:
        graph[e.source].add(e.target)
    reaches: dict[str, set[str]] = {}
    for v in graph:  # a depth-first walk from each module: a few hundred modules, so no need for Tarjan's one pass
        reaches[v], todo = set(), [v]
        while todo:
            new = graph[todo.pop()] - reaches[v]
            reaches[v] |= new
            todo += new
    components = {tuple(sorted(w for w in reaches[v] if v in reaches[w])) for v in graph if v in reaches[v]}
    return [
        f"cycle of {len(c)} modules: {', '.join(c)}\n"
        + "\n".join(f"    {e.path}:{e.line} {e.source} -> {e.target}" for e in runtime if {e.source, e.target} <= {*c})
        for c in sorted(components)
    ]


def layer_problems(root: Path) -> list[str]:
    """Each import that runs upward or sideways against LAYERS, as file:line and the two layers."""
    problems = []
    for e in edges(root):
        src, dst = e.source.split(".")[0], e.target.split(".")[0]
        (src_layer, sideways), dst_layer = LAYERS[src], LAYERS[dst][0]
        if dst != src and dst not in sideways and dst_layer >= src_layer:
            kind = "upward" if dst_layer > src_layer else "sideways"
            problems.append(
                f"{e.path}:{e.line}: {src} (layer {src_layer}) imports {dst} (layer {dst_layer}), {kind}: "
                f"{e.source} -> {e.target}" + (" [TYPE_CHECKING]" if e.type_only else "")
            )
    return problems


def size_problem(root: Path) -> str | None:
    """The biggest top-level folder's share of the *.py lines under SIZED, when it is over MAX_SHARE."""
    lines = {folder: sum(len(p.read_text().splitlines()) for p in (root / folder).rglob("*.py")) for folder in SIZED}
    biggest, total = max(lines, key=lines.__getitem__), sum(lines.values())
    share = lines[biggest] / total
    return None if share <= MAX_SHARE else f"{biggest}/ holds {share:.1%} of {total} Python lines (<= {MAX_SHARE:.0%})"


def test_no_import_cycles() -> None:
    problems = cycle_problems(ROOT)
    assert not problems, "import cycles:\n" + "\n".join(problems)


def test_imports_only_run_downward() -> None:
    problems = layer_problems(ROOT)
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_no_folder_holds_more_than_a_quarter_of_the_code() -> None:
    assert size_problem(ROOT) is None, size_problem(ROOT)


def test_the_checks_report_a_synthetic_cycle_upward_import_and_big_folder(tmp_path: Path) -> None:
    for name, text in {
        "domain/__init__.py": "",
        "domain/a.py": "from domain.b import f\n",  # f is no submodule: an edge to domain.b
        "domain/b.py": "def f() -> None:\n    from . import a\n",  # function-level, relative: closes a <-> b
        "domain/c.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from app import use\n",
        "app/__init__.py": "",
        "app/use.py": "from domain import c\n",  # c -> app.use is type-only: no cycle, but upward
        "cli/__init__.py": "",
        "web/__init__.py": "import cli\n",  # the page never imports the CLI that serves it
        "recipes/__init__.py": "import panel\n",  # same layer, not allowed sideways
        "panel/__init__.py": "",
    }.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cycle_problems(tmp_path) == [
        "cycle of 2 modules: domain.a, domain.b\n    domain/a.py:1 domain.a -> domain.b\n"
        "    domain/b.py:2 domain.b -> domain.a"
    ]
    assert layer_problems(tmp_path) == [
        "domain/c.py:4: domain (layer 0) imports app (layer 4), upward: domain.c -> app.use [TYPE_CHECKING]",
        "recipes/__init__.py:1: recipes (layer 1) imports panel (layer 1), sideways: recipes -> panel",
        "web/__init__.py:1: web (layer 5) imports cli (layer 6), upward: web -> cli",
    ]
    assert size_problem(tmp_path) == "domain/ holds 70.0% of 10 Python lines (<= 25%)"
