"""The panel's side of the rubric recipe: a small world of writing tasks whose outputs the panel can inspect.

Importing the package registers every ``[assay:rubric:<role>]`` handler with panel.protocol.

- ``world``: requirement kinds (prompt line, rubric criterion, flaw name), tasks, and reading them back from text.
- ``families``: the task families (support reply, announcement email, product summary, meeting notes).
- ``compose``: building a task, and writing an output that meets all but chosen requirements.
- ``checks``: how judges answer a criterion: mechanically when crisp (all agree), by taste otherwise.
- ``author``: the author's injected rubric mistakes; ``repair``: how the repairer (usually) fixes them.
- ``roles``: the handlers registered with ``@handles``.
"""

from __future__ import annotations

from panel.rubric import author, checks, compose, families, repair, roles, world

__all__ = ["author", "checks", "compose", "families", "repair", "roles", "world"]
