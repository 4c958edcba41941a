"""Input specs: one file governs a unit of work (recipe, axes, model roles, gate and probe settings)."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import msgspec

from domain import bounds as b
from domain.bounds import Bound
from domain.errors import SpecError


class Axis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    values: list[str]
    weights: list[float] | None = None


class Models(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The model per role: a ``model_name`` of the spec's ``[[model_list]]``, or a plain litellm model."""

    author: str
    file: str | None = None  # a models file ([[model_list]] shared by many specs), relative to the spec
    repairer: str | None = None
    oracle: str | None = None
    judge: str | None = None
    writer: str | None = None  # sample outputs for recipes that test a grader (default: the author's model)
    judges: list[str] = []  # several independent judges, for recipes that measure inter-judge agreement
    panel: list[str] = []


class ModelInfo(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a deployment costs (USD per token), or that it is free; unpriced models are refused."""

    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None
    free: bool = False

    @property
    def priced(self) -> bool:
        return self.free or (self.input_cost_per_token is not None and self.output_cost_per_token is not None)


class Deployment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One litellm Router deployment: roles name ``model_name``; several deployments of one name share the load.

    ``litellm_params`` is litellm's own: ``model`` (required), ``api_base``, ``api_key`` (only as
    ``os.environ/NAME``, so no key is ever recorded), ``timeout``, ``max_retries``, ``rpm``, ``tpm`` and any
    extra parameter litellm passes to the provider."""

    model_name: str
    litellm_params: dict[str, Any]
    model_info: ModelInfo = ModelInfo()

    @property
    def model(self) -> str:
        return str(self.litellm_params.get("model", ""))

    @property
    def key_env(self) -> str | None:
        """The environment variable holding the key, if the deployment names one."""
        key = self.litellm_params.get("api_key")
        return key.removeprefix(ENV_PREFIX) if isinstance(key, str) and key.startswith(ENV_PREFIX) else None


ENV_PREFIX = "os.environ/"
ROUTER_PARAMS: dict[str, type | tuple[type, ...]] = {
    "model": str,
    "api_base": str,
    "api_key": str,
    "timeout": (int, float),
    "max_retries": int,
}
ROUTER_LIMITS = ("rpm", "tpm")
LIMIT_BOUNDS = (("timeout", b.TIMEOUT), ("max_retries", b.RETRIES))


class Gates(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Gate settings; the novelty ones are described in docs/novelty.md."""

    max_repairs: int = 2
    novelty_threshold: float = 0.6  # raw similarity above this: a near-duplicate
    template_threshold: float = 0.9  # number-masked similarity at or above this: the same template
    variants_per_template: int = 0  # earlier items that may share a candidate's template
    semantic: bool = False  # the embedding stage (paraphrases)
    semantic_threshold: float = 0.9  # cosine similarity at or above this: a paraphrase


class PanelModel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One solver of the probe panel: its litellm name, samples per item and the k values reported."""

    model: str
    n: int | None = None  # default: [probe].n
    k: list[int] | None = None  # default: [probe].k


class Probe(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    panel: list[PanelModel] = []  # strongest first; default: [models].panel with n and k below
    n: int = 5
    k: list[int] = msgspec.field(default_factory=lambda: [1, 5])
    temperature: float = 0.8
    easy_pass_at_1: float = 0.9
    min_spread: float = 0.3
    # Ambiguity measured from the capable half's answers (domain.ambiguity; docs/ambiguity.md).
    ambiguity: bool = True  # reject items whose capable solvers split between readings
    split_min_support: int = 2  # samples each reading's cluster needs
    split_min_share: float = 0.25  # share of the capable samples each reading's cluster needs
    split_min_coverage: float = 0.75  # share of the capable samples the two largest clusters must hold together
    oracle_min_share: float = 0.6  # share of a wrong modal cluster that counts as settling against the oracle


class Spec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    recipe: str
    models: Models
    description: str = ""
    seed: int = 0
    axes: dict[str, Axis] = {}
    gates: Gates = Gates()
    probe: Probe = Probe()
    recipe_options: dict[str, Any] = {}
    model_list: list[Deployment] = []  # litellm Router deployments; roles may name their model_name
    fallbacks: list[dict[str, list[str]]] = []  # litellm Router fallbacks: [{model_name = [other names]}]

    def deployments(self, name: str) -> list[Deployment]:
        """The deployments a role's model name refers to (none: a plain litellm model)."""
        return [d for d in self.model_list if d.model_name == name]

    def role_models(self) -> dict[str, str]:
        """Every model a run may call, by role: author, repairer, oracle, judge(s), writer and the panel."""
        m = self.models
        out = {"author": m.author}
        for role in ("repairer", "oracle", "judge", "writer"):
            if getattr(m, role):
                out[role] = getattr(m, role)
        for i, judge in enumerate(m.judges):
            out[f"judges[{i}]"] = judge
        for i, plan in enumerate(self.panel_plan()):
            out[f"panel[{i}]"] = plan.model
        return out

    def panel_plan(self) -> list[PanelModel]:
        """The probe panel, strongest first, each model with its own n and k filled in."""
        given = self.probe.panel or [PanelModel(model=m) for m in self.models.panel]
        return [PanelModel(model=p.model, n=p.n or self.probe.n, k=list(p.k or self.probe.k)) for p in given]

    def axis_table(self) -> dict[str, tuple[list[str], list[float]]]:
        """Axes as (values, weights), weights defaulting to equal."""
        return {
            name: (list(a.values), list(a.weights) if a.weights else [1.0] * len(a.values))
            for name, a in self.axes.items()
        }


def _line_of(text: str, path: list[str]) -> int | None:
    """Best-effort 1-based line of a dotted key path (a key or a whole table) in TOML text."""
    lines = text.splitlines()
    start, header_found = 0, False
    for depth in range(len(path), 0, -1):  # the full path may itself be a table: [models], [axes.level]
        header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, path[:depth])) + r"\s*\]\s*$")
        hit = next((i for i, line in enumerate(lines) if header.match(line)), None)
        if hit is not None:
            start, header_found = hit, True
            if depth == len(path):
                return hit + 1
            break
    key = re.compile(r"^\s*" + re.escape(path[-1]) + r"\s*=")
    for i in range(start, len(lines)):
        if key.match(lines[i]):
            return i + 1
    return start + 1 if header_found else None


def _where(source: str, line: int | None) -> str:
    return f"{source}:{line}" if line else source


def _resolve(data: dict[str, Any], path: list[str]) -> list[str]:
    """Replace msgspec's elided dict key with the axis whose value fails to convert."""
    if path[:2] == ["axes", "*"] and isinstance(data.get("axes"), dict):
        for name, axis in data["axes"].items():
            try:
                msgspec.convert(axis, Axis)
            except msgspec.ValidationError:
                return ["axes", name, *path[2:]]
    return [p for p in path if p != "*"]


def _check(spec: Spec, text: str, source: str) -> None:
    def fail(path: list[str], message: str) -> None:
        raise SpecError(f"{_where(source, _line_of(text, path))}: {'.'.join(path)}: {message}")

    def within(path: list[str], value: object, bound: Bound, who: str = "") -> None:
        if not bound.holds(value):
            fail(path, who + bound.why(value))

    within(["seed"], spec.seed, b.SEED)
    cells = 1
    for name, axis in spec.axes.items():
        if not axis.values:
            fail(["axes", name, "values"], "an axis needs at least one value")
        within(["axes", name, "values"], len(axis.values), b.AXIS_VALUES, "the number of values: ")
        if len(set(axis.values)) != len(axis.values):
            fail(["axes", name, "values"], "values repeat")
        if axis.weights is not None:
            if len(axis.weights) != len(axis.values):
                fail(["axes", name, "weights"], f"{len(axis.weights)} weights for {len(axis.values)} values")
            for w in axis.weights:  # positive and finite: a NaN weight would spread nothing
                within(["axes", name, "weights"], w, b.WEIGHT, "weight ")
        cells *= len(axis.values)
    within(["axes"], cells, b.CELLS, "the combinations of every axis's values: ")
    within(["gates", "max_repairs"], spec.gates.max_repairs, b.MAX_REPAIRS)
    for name in ("novelty_threshold", "template_threshold", "semantic_threshold"):
        within(["gates", name], getattr(spec.gates, name), b.SIMILARITY)
    within(["gates", "variants_per_template"], spec.gates.variants_per_template, b.VARIANTS)
    within(["probe", "n"], spec.probe.n, b.SAMPLES)
    for k in spec.probe.k:
        if k < 1 or k > spec.probe.n:
            fail(["probe", "k"], f"k={k} must be between 1 and n={spec.probe.n}")
    within(["probe", "temperature"], spec.probe.temperature, b.TEMPERATURE)
    for given in spec.probe.panel:  # the given n, before panel_plan() fills a missing (or 0) n from [probe].n
        if given.n is not None:
            within(["probe", "panel", "n"], given.n, b.SAMPLES, f"{given.model}: n ")
    for plan in spec.panel_plan():
        assert plan.n is not None and plan.k is not None
        for k in plan.k:
            if k < 1 or k > plan.n:
                fail(["probe", "panel", "k"], f"{plan.model}: k={k} must be between 1 and n={plan.n}")
    if not spec.panel_plan():
        fail(["models", "panel"], "the solver panel needs at least one model ([models].panel or [[probe.panel]])")
    within(["probe", "easy_pass_at_1"], spec.probe.easy_pass_at_1, b.SHARE)
    within(["probe", "min_spread"], spec.probe.min_spread, b.UNIT)
    within(["probe", "split_min_support"], spec.probe.split_min_support, b.SUPPORT)
    for name in ("split_min_share", "split_min_coverage", "oracle_min_share"):
        within(["probe", name], getattr(spec.probe, name), b.SHARE)
    check_deployments(spec.model_list, lambda field, message: fail(["model_list", field], message))


def unknown_fallbacks(spec: Spec) -> list[str]:
    """Names in ``fallbacks`` that no deployment of the model list carries (checked once a models file is in)."""
    names = {d.model_name for d in spec.model_list}
    return [n for rule in spec.fallbacks for name, others in rule.items() for n in (name, *others) if n not in names]


def check_deployments(deployments: list[Deployment], fail: Any) -> None:
    """Each deployment names a model_name and a litellm model; a key is an environment variable, never the key
    itself; limits and timeouts are positive numbers; prices are not negative."""
    for i, d in enumerate(deployments):
        where = f"{d.model_name or i}"
        if not d.model_name.strip():
            fail("model_name", f"deployment {i}: model_name must not be empty")
        for key, kind in ROUTER_PARAMS.items():
            value = d.litellm_params.get(key)
            if value is None:
                if key == "model":
                    fail("litellm_params", f"{where}: litellm_params.model is required (a litellm model name)")
                continue
            if not isinstance(value, kind) or isinstance(value, bool):
                fail("litellm_params", f"{where}: litellm_params.{key} has the wrong type ({type(value).__name__})")
        api_key = d.litellm_params.get("api_key")
        if isinstance(api_key, str) and not (api_key.startswith(ENV_PREFIX) and api_key.removeprefix(ENV_PREFIX)):
            fail(
                "litellm_params",
                f'{where}: api_key must name an environment variable as "os.environ/NAME", '
                "so that no key is written into the spec or the ledger",
            )
        # No retries is a choice; no time or rate is not (and NaN or infinity is neither).
        for limit, bound in (*((name, b.RATE_LIMIT) for name in ROUTER_LIMITS), *LIMIT_BOUNDS):
            value = d.litellm_params.get(limit)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not bound.holds(value):
                fail("litellm_params", f"{where}: litellm_params.{limit} {bound.why(value)}")
        for price in ("input_cost_per_token", "output_cost_per_token"):
            value = getattr(d.model_info, price)
            if value is not None and not b.PRICE.holds(value):
                fail("model_info", f"{where}: model_info.{price} {b.PRICE.why(value)}")


def parse_spec(text: str, source: str = "<spec>") -> Spec:
    """Parse and check a TOML spec; errors name the file, line and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"at line (\d+)", str(exc))
        raise SpecError(f"{_where(source, int(at.group(1)) if at else None)}: not valid TOML: {exc}") from None
    if isinstance(data.get("recipe"), dict):
        raise SpecError(f"{_where(source, _line_of(text, ['recipe']))}: recipe: must be a recipe name")
    try:
        spec = msgspec.convert(data, Spec)
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = re.search(r"at `\$\.?([^`]*)`", message)
        raw = match.group(1).replace("[...]", ".*") if match else ""
        path = _resolve(data, [p for p in re.split(r"[.\[\]]+", raw) if p])
        extra = re.search(r"(?:missing required|unknown) field `(\w+)`", message)
        if extra:
            path = [*path, extra.group(1)]
        line = _line_of(text, path) if path else None
        field = ".".join(path) if path else "spec"
        raise SpecError(f"{_where(source, line)}: {field}: {message.split(' - at ')[0]}") from None
    _check(spec, text, source)
    return spec


def spec_to_dict(spec: Spec) -> dict[str, Any]:
    """The spec as plain data, as recorded in the ledger (without an empty model list or fallbacks, so specs
    recorded before deployments existed read back the same)."""
    data: dict[str, Any] = msgspec.to_builtins(spec)
    for key in ("model_list", "fallbacks"):
        if not data.get(key):
            data.pop(key, None)
    if data["models"].get("file") is None:
        data["models"].pop("file", None)
    return data


def spec_from_dict(data: dict[str, Any]) -> Spec:
    return msgspec.convert(data, Spec)
