"""Recipes by name. A recipe registers itself here when its package is imported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.errors import SpecError

_FACTORIES: dict[str, Callable[..., Any]] = {}
_BUILTIN = {"ground_truth": "recipes.ground_truth", "agent_step": "recipes.agent_step"}


def register(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Class or factory decorator: ``@register("ground_truth")``."""

    def wrap(factory: Callable[..., Any]) -> Callable[..., Any]:
        _FACTORIES[name] = factory
        return factory

    return wrap


def names() -> list[str]:
    return sorted(set(_FACTORIES) | set(_BUILTIN))


def get(name: str, **options: Any) -> Any:
    """Build the recipe called ``name``; an unknown name is a SpecError listing the known ones."""
    if name not in _FACTORIES and name in _BUILTIN:
        __import__(_BUILTIN[name])
    if name not in _FACTORIES:
        raise SpecError(f"unknown recipe {name!r}; known recipes: {', '.join(names())}")
    return _FACTORIES[name](**options)
