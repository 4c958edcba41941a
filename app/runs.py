"""Starting a run: the RunStarted fact a new run (or a replay) begins with, recorded through the store."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import recipes
from adapters.store import Store
from domain import facts as f
from domain.ids import run_uuid
from domain.run import Run
from domain.spec import Spec, spec_to_dict
from services.roles import stable_seed


async def start(
    store: Store,
    spec: Spec,
    policy: f.Policy,
    seed: int | None = None,
    *,
    recipe_args: dict[str, Any] | None = None,
    replay_of: str = "",
    from_gate: str = "",
) -> f.RunStarted:
    """Record a new run of ``spec`` under ``policy`` and return its RunStarted fact; the services take it from there.

    Unseeded, every run gets a seed of its own; ``recipe_args`` default to what the registry builds the recipe with."""
    run_id = uuid4().hex[:12]
    if recipe_args is None:
        recipe_args = recipes.recipe_info(recipes.get(spec.recipe, **spec.recipe_options)).args
    started = f.RunStarted(
        run_id=run_id,
        spec_name=spec.name,
        recipe=spec.recipe,
        spec=spec_to_dict(spec),
        policy=policy,
        seed=seed if seed is not None else stable_seed(spec.seed, run_id),
        recipe_args=recipe_args,
        replay_of=replay_of,
        from_gate=from_gate,
    )
    await store.save(Run.start(run_uuid(run_id), started))
    return started
