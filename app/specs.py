"""Loading a spec file: parse and check it, fold in a shared models file, and build its recipe once.

The models file (``[models] file = "models.toml"``, relative to the spec, or ``ASSAY_MODELS``) holds
``[[model_list]]`` deployments and ``fallbacks`` that many specs share. Its deployments join the spec's own (a
``model_name`` the spec defines itself is the spec's), so the run records every endpoint it may call.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import msgspec

import recipes
from app.files import read_text
from domain.errors import SpecError
from domain.spec import Deployment, Spec, check_deployments, parse_spec, unknown_fallbacks


def load_spec(path: Path) -> Spec:
    """The spec at ``path`` with its models file folded in, checked against its recipe; SpecError otherwise."""
    spec = parse_spec(read_text(path, "spec file"), source=str(path))
    named = spec.models.file or os.environ.get("ASSAY_MODELS") or None
    if named:
        where = path.parent / named if spec.models.file else Path(named)
        spec = with_models_file(spec, where)
    if missing := unknown_fallbacks(spec):
        raise SpecError(f"{path}: fallbacks: {', '.join(map(repr, missing))} is no model_name of [[model_list]]")
    try:
        recipes.get(spec.recipe, **spec.recipe_options)
    except SpecError as exc:
        message = str(exc)
        raise SpecError(message if message.startswith(str(path)) else f"{path}: {message}") from None
    return spec


def with_models_file(spec: Spec, path: Path) -> Spec:
    """``spec`` with the deployments and fallbacks of the models file at ``path`` added."""
    text = read_text(path, "models file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"model_list", "fallbacks"})
    if unknown:
        raise SpecError(f"{path}: unknown field(s) {', '.join(unknown)}; a models file holds model_list and fallbacks")
    try:
        found = msgspec.convert(data.get("model_list", []), list[Deployment])
        fallbacks = msgspec.convert(data.get("fallbacks", []), list[dict[str, list[str]]])
    except msgspec.ValidationError as exc:
        raise SpecError(f"{path}: model_list: {exc}") from None

    def fail(field: str, message: str) -> None:
        raise SpecError(f"{path}: model_list.{field}: {message}")

    check_deployments(found, fail)
    own = {d.model_name for d in spec.model_list}
    merged = [*spec.model_list, *(d for d in found if d.model_name not in own)]
    return msgspec.structs.replace(spec, model_list=merged, fallbacks=[*spec.fallbacks, *fallbacks])
