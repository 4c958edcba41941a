"""The panel's side of the agent-step recipe: a support-desk world, author, oracle/solvers, judge and repairer.

Importing the package registers every ``[assay:agent_step:<role>]`` handler with panel.protocol.

- ``desk``: the simulated support desk: action catalog, tickets generated from their numbers, true next actions.
- ``flaws``: the author's injected mistakes, how a flawed draft is built, and which problems resist repair.
- ``roles``: the handlers registered with ``@handles``: author, oracle/solve, judge-realism and repair.
"""

from __future__ import annotations

from panel.agent_step import desk, flaws, roles
from panel.agent_step.desk import STEPS, Ticket, ticket, truth, world_step
from panel.agent_step.flaws import draft, stubborn
from panel.agent_step.roles import author, judge, read, repairer

__all__ = [
    "STEPS",
    "Ticket",
    "author",
    "desk",
    "draft",
    "flaws",
    "judge",
    "read",
    "repairer",
    "roles",
    "stubborn",
    "ticket",
    "truth",
    "world_step",
]
