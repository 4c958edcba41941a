"""Recipes by name: built in, registered with ``@register``, or added by another package's entry point.

A third-party package declares, in its pyproject.toml::

    [project.entry-points."assay.recipes"]
    my_recipe = "my_package.recipe:MyRecipe"

Every recipe built through ``get`` records its registry name and its construction arguments (defaults
filled in), as ``recipe_info(recipe)``; a run stores them on its RunStarted fact.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from domain.errors import SpecError

ENTRY_POINT_GROUP = "assay.recipes"
_FACTORIES: dict[str, Callable[..., Any]] = {}
_BUILTIN = {"ground_truth": "recipes.ground_truth", "agent_step": "recipes.agent_step", "rubric": "recipes.rubric"}
_INFO_ATTR = "__assay_recipe__"


@dataclass(frozen=True)
class RecipeInfo:
    """How a recipe object was made: its registry name and every construction argument."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


def register(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Class or factory decorator: ``@register("ground_truth")``."""

    def wrap(factory: Callable[..., Any]) -> Callable[..., Any]:
        _FACTORIES[name] = factory
        return factory

    return wrap


def _plugins() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def names() -> list[str]:
    return sorted(set(_FACTORIES) | set(_BUILTIN) | set(_plugins()))


def _load(name: str) -> None:
    if name in _BUILTIN:
        __import__(_BUILTIN[name])
        return
    plugin = _plugins().get(name)
    if plugin is None:
        return
    try:
        loaded = plugin.load()
    except Exception as exc:  # a broken plug-in must not look like an unknown name
        raise SpecError(f"recipe {name!r} from entry point {plugin.value!r} failed to load: {exc}") from None
    _FACTORIES.setdefault(name, loaded)  # importing may already have registered it under this name


def _arguments(name: str, factory: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return dict(options)
    try:
        bound = signature.bind(**options)
    except TypeError:
        accepted = [p for p in signature.parameters if p != "self"]
        unknown = sorted(set(options) - set(accepted))
        which = f"unknown option {unknown[0]!r}" if unknown else "bad options"
        raise SpecError(
            f"recipe_options: {which} for recipe {name!r} (accepted: {', '.join(accepted) or 'none'})"
        ) from None
    bound.apply_defaults()
    return dict(bound.arguments)


def get(name: str, **options: Any) -> Any:
    """Build the recipe called ``name`` with ``options``; an unknown name or option is a SpecError."""
    if name not in _FACTORIES:
        _load(name)
    if name not in _FACTORIES:
        raise SpecError(f"unknown recipe {name!r}; known recipes: {', '.join(names())}")
    factory = _FACTORIES[name]
    args = _arguments(name, factory, options)
    recipe = factory(**args)
    from recipes.conformance import problems

    if found := problems(recipe):
        raise SpecError(f"recipe {name!r} cannot run: " + "; ".join(found))
    try:
        setattr(recipe, _INFO_ATTR, RecipeInfo(name=name, args=args))
    except AttributeError:  # objects without a __dict__ (slots) simply carry no record
        pass
    return recipe


def recipe_info(recipe: Any) -> RecipeInfo:
    """The registry name and construction arguments a recipe was built with."""
    info = getattr(recipe, _INFO_ATTR, None)
    return info if isinstance(info, RecipeInfo) else RecipeInfo(name=str(getattr(recipe, "name", "?")))


def payload_problems(recipe: str, payload: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What keeps ``payload`` (a reviewer's edit) from being a valid ``recipe`` payload. Where the recipe is not
    installed, at least every field the point had (``current``) must still be there."""
    try:
        return [str(p) for p in get(recipe).validate(payload)]
    except Exception:  # recipe not installed here (an unknown name, or a plug-in that fails to load)
        return [f"missing field {k!r}" for k in sorted(set(current) - set(payload))]
