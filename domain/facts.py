"""The facts Assay records: frozen, tagged msgspec Structs.

These are the wire and storage schemas of every event. Evolution rules: new fields get defaults,
field types never change, a renamed class keeps its tag.
"""

from __future__ import annotations

from typing import Any, Literal, TypeGuard

import msgspec


class Fact(msgspec.Struct, frozen=True, tag=True, tag_field="type", forbid_unknown_fields=False):
    """Base of every recorded fact."""


class Try(msgspec.Struct, frozen=True):
    """One try of a model call that took several (litellm's Router retries a failed try)."""

    status: int = 0  # the HTTP status answered (200: a reply); 0: none (a refused connection)
    error: str = ""  # the error class of a failed try ("RateLimitError", "Timeout"...)
    latency_ms: float = 0.0
    retry_after_s: float | None = None  # the Retry-After the endpoint asked for
    waited_ms: float = 0.0  # the pause before the next try
    deployment: str = ""  # the deployment tried (litellm model and api_base); "" for a plain model


class Receipt(msgspec.Struct, frozen=True):
    """One model call: who was asked, what it cost, and hashes of what went in and out. A call that took more
    than one try lists every try in ``tries``; ``latency_ms`` is then the whole call, waits included."""

    role: str
    model: str
    prompt_sha256: str
    response_sha256: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    sample: int = 0
    seed: int | None = None
    error: str = ""
    status: int = 0  # the HTTP status of the last try (200: a reply); 0: none, or recorded before statuses
    deployment: str = ""  # the deployment that answered, for a model_name with deployments
    tries: list[Try] = []


class Policy(msgspec.Struct, frozen=True):
    """How a run pulls the lever."""

    mode: Literal["attempts", "until_accepted"] = "attempts"
    target: int = 10
    concurrency: int = 4
    max_cost: float | None = None
    max_attempts: int | None = None  # safety bound for until_accepted


class ModelOutcome(msgspec.Struct, frozen=True):
    """One panel model's result on one item: n samples, c correct, pass@k per k."""

    model: str
    n: int
    c: int
    pass_at_k: dict[str, float]
    passed_samples: list[int] = []
    answers: list[str] = []


class AnswerCluster(msgspec.Struct, frozen=True):
    """Probe answers the recipe's grader treats as one answer: a representative, how many capable samples gave
    it (and their share), whether it is graded correct, and which models gave it."""

    answer: str
    count: int
    share: float
    correct: bool = False
    models: list[str] = []


# --- Run facts -------------------------------------------------------------------------------


class RunStarted(Fact, frozen=True):
    run_id: str
    spec_name: str
    recipe: str
    spec: dict[str, Any]
    policy: Policy
    seed: int = 0
    recipe_args: dict[str, Any] = {}  # the recipe's construction arguments, defaults filled in
    replay_of: str = ""  # a replay run: the run whose recorded drafts it re-gates (no generation)
    from_gate: str = ""  # a replay run: gates before this one are carried over from the source


class LeverPulled(Fact, frozen=True):
    index: int
    candidate_id: str
    coordinate: dict[str, str]
    run_id: str = ""


class CandidateCarried(LeverPulled, frozen=True):
    """A replay run takes a recorded draft in place of a lever pull: it counts as a pull, but nothing is
    generated (its own tag, so generation, which consumes LeverPulled, never sees it)."""

    source_id: str = ""  # the candidate whose recorded draft is carried
    source_version: int = 0  # the source's fact version whose state (payload after repairs) was carried


class CandidateSettled(Fact, frozen=True):
    candidate_id: str
    outcome: Literal["queued", "rejected"]
    gate: str = ""
    reason: str = ""
    cost_usd: float = 0.0
    cause: str = ""


class RunCompleted(Fact, frozen=True):
    reason: str
    attempts: int = 0
    queued: int = 0
    rejected: int = 0
    cost_usd: float = 0.0


# --- Candidate facts -------------------------------------------------------------------------


class Origin(msgspec.Struct, frozen=True):
    """Where a replayed candidate's draft comes from: a recorded candidate, taken as it reached ``from_gate``."""

    candidate_id: str  # the source candidate (``version`` is the source fact its state was taken at)
    version: int
    from_gate: str
    outcome: str = ""  # the source's outcome at the gates: "queued" | "rejected"
    # The candidate the author actually drafted (the first of a chain of replays): gates and probe see its ids,
    # so a replay with unchanged gates makes exactly the calls the source made.
    root_run_id: str = ""
    root_candidate_id: str = ""


class Drafted(Fact, frozen=True):
    run_id: str
    index: int
    recipe: str
    coordinate: dict[str, str]
    payload: dict[str, Any]
    receipts: list[Receipt] = []
    checklist_version: int = 0
    origin: Origin | None = None  # set on a replayed candidate: no generation call was made


class DraftFailed(Fact, frozen=True):
    """The author could not produce a usable draft (model error or junk)."""

    run_id: str
    index: int
    recipe: str
    coordinate: dict[str, str]
    reason: str
    receipts: list[Receipt] = []
    checklist_version: int = 0


class GatePassed(Fact, frozen=True):
    gate: str
    detail: dict[str, Any] = {}
    receipts: list[Receipt] = []
    gate_version: str = ""  # recipes.versions: a hash of the gate's code and configuration
    carried_from: str = ""  # "<candidate id>:<version>" when a replay carried this result over by reference


class GateFailed(Fact, frozen=True):
    gate: str
    reason: str
    repair: str = ""  # a repair instruction, empty when the failure is final
    detail: dict[str, Any] = {}
    receipts: list[Receipt] = []
    gate_version: str = ""


class Repaired(Fact, frozen=True):
    gate: str
    instruction: str
    payload: dict[str, Any]
    diff: list[str]
    invalidated: list[str]
    attempt: int
    receipts: list[Receipt] = []


class ProbeRequested(Fact, frozen=True):
    gate: str


class Probed(Fact, frozen=True):
    gate: str
    outcomes: list[ModelOutcome]
    solve_rate: float
    passed_models: list[str]
    band: str
    in_band: bool
    teeth: bool = False  # the strongest model never solved it, at any k, though another model did
    suspect: bool = False  # nobody on the panel solved it: beyond the frontier or quietly broken
    receipts: list[Receipt] = []
    carried_from: str = ""
    clusters: list[AnswerCluster] = []  # the capable half's answers, clustered (domain.ambiguity)
    ambiguous: bool = False  # capable solvers split between readings, or settle on another answer than the oracle
    ambiguity: str = ""  # why, naming the answers ("" when not ambiguous)


class Rejected(Fact, frozen=True):
    gate: str
    reason: str
    cause: str = ""  # "" (the candidate failed the gate) | "model_error" | "unusable_output"
    carried_from: str = ""


class Queued(Fact, frozen=True):
    band: str = ""
    cost_usd: float = 0.0


Verdict = Literal["approve", "reject", "edit"]
VERDICTS: tuple[Verdict, ...] = ("approve", "reject", "edit")


def is_verdict(value: str) -> TypeGuard[Verdict]:
    return value in VERDICTS


class VerdictGiven(Fact, frozen=True):
    verdict: Verdict
    reviewer: str
    reason: str = ""
    payload: dict[str, Any] | None = None  # the edited payload, for "edit"
    bulk_id: str = ""  # shared by the verdicts of one bulk action ("" for a verdict given alone)


# --- Evaluation facts: models run over a dataset of approved points ------------------------------


class EvaluationStarted(Fact, frozen=True):
    eval_id: str
    dataset: str  # a spec name, a run id, "all", or the path of an exported JSONL file
    recipe: str
    models: list[str]
    n: int
    ks: list[int]
    points: list[str]  # candidate ids of the evaluated points, in order
    temperature: float = 0.8
    seed: int = 0


class ItemEvaluated(Fact, frozen=True):
    """One model's n samples on one point, graded by the recipe's grader."""

    point_id: str
    model: str
    n: int
    c: int
    pass_at_k: dict[str, float]
    passed_samples: list[int] = []
    step: str = ""  # agent flows: the workflow step this point decides
    step_index: int = -1
    receipts: list[Receipt] = []


class EvaluationCompleted(Fact, frozen=True):
    summary: dict[str, Any] = {}


# --- Reviewers and their tokens; reviewer-curated checklist items ------------------------------------


class ReviewerAdded(Fact, frozen=True):
    """A reviewer and the SHA-256 of their access token (the token itself is shown once, never stored)."""

    name: str
    token_sha256: str


class ReviewerRevoked(Fact, frozen=True):
    name: str


class ChecklistItemAdded(Fact, frozen=True):
    """A reviewer adds a criterion to a recipe's reflection checklist."""

    recipe: str
    item_id: str
    text: str
    reviewer: str


class ChecklistItemEdited(Fact, frozen=True):
    """A reviewer rewords an item; ``item_id`` is a reviewer item's id or an observed item's text."""

    recipe: str
    item_id: str
    text: str
    reviewer: str


class ChecklistItemRetired(Fact, frozen=True):
    """A reviewer takes an item off the checklist authors see (it stays in the ledger and in the history)."""

    recipe: str
    item_id: str
    reviewer: str
    reason: str = ""


RUN_FACTS: tuple[type[Fact], ...] = (RunStarted, LeverPulled, CandidateSettled, RunCompleted, CandidateCarried)
EVALUATION_FACTS: tuple[type[Fact], ...] = (EvaluationStarted, ItemEvaluated, EvaluationCompleted)
REVIEWER_FACTS: tuple[type[Fact], ...] = (ReviewerAdded, ReviewerRevoked)
CHECKLIST_FACTS: tuple[type[Fact], ...] = (ChecklistItemAdded, ChecklistItemEdited, ChecklistItemRetired)
CANDIDATE_FACTS: tuple[type[Fact], ...] = (
    Drafted,
    DraftFailed,
    GatePassed,
    GateFailed,
    Repaired,
    ProbeRequested,
    Probed,
    Rejected,
    Queued,
    VerdictGiven,
)
ALL_FACTS: tuple[type[Fact], ...] = RUN_FACTS + CANDIDATE_FACTS + EVALUATION_FACTS + REVIEWER_FACTS + CHECKLIST_FACTS

AnyFact = (
    RunStarted
    | LeverPulled
    | CandidateCarried
    | CandidateSettled
    | RunCompleted
    | Drafted
    | DraftFailed
    | GatePassed
    | GateFailed
    | Repaired
    | ProbeRequested
    | Probed
    | Rejected
    | Queued
    | VerdictGiven
    | EvaluationStarted
    | ItemEvaluated
    | EvaluationCompleted
    | ReviewerAdded
    | ReviewerRevoked
    | ChecklistItemAdded
    | ChecklistItemEdited
    | ChecklistItemRetired
)


class Envelope(msgspec.Struct, frozen=True):
    """A recorded fact as it travels on the bus: where it sits in the ledger and what it says."""

    event_id: str  # "<originator id>:<version>", also the Nats-Msg-Id
    originator_id: str
    version: int
    position: int  # the ledger's global notification id
    timestamp: str
    fact: AnyFact


def aggregate_kind(fact: Fact | type[Fact]) -> str:
    """Which aggregate records this kind of fact: run, candidate, evaluation, reviewer or checklist."""
    kind = fact if isinstance(fact, type) else type(fact)
    for name, group in (
        ("run", RUN_FACTS),
        ("evaluation", EVALUATION_FACTS),
        ("reviewer", REVIEWER_FACTS),
        ("checklist", CHECKLIST_FACTS),
    ):
        if kind in group:
            return name
    return "candidate"


def tag_of(fact: Fact | type[Fact]) -> str:
    """The tag a fact is stored and published under."""
    return str(fact.__struct_config__.tag)
