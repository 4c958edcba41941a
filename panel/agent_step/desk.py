"""The simulated support desk behind the agent-step panel: the action catalog and tickets derived from numbers.

Every ticket is generated from its number ("T-48213" in the transcript), so each role re-derives the true next
action from the text it is shown, without shared memory.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any

from domain.actions import format_action

STEPS = ("plan", "retrieve", "tool call", "validate", "write", "handoff", "report")
ISSUES = ("refund", "return", "address_change", "cancellation")
TEAMS = ("billing", "trust_safety", "tier2", "logistics")
NAMES = (
    "Dana Whitfield",
    "Omar Haddad",
    "Priya Raman",
    "Lukas Berger",
    "Mei Tanaka",
    "Aisha Bello",
    "Jonas Lind",
    "Keiko Mori",
    "Ruth Okafor",
    "Tomas Novak",
    "Elena Rossi",
    "Sam Carter",
)
PRODUCTS = (
    ("kettle", 64.5),
    ("desk lamp", 38.0),
    ("rain jacket", 119.0),
    ("blender", 89.99),
    ("backpack", 74.0),
    ("headphones", 149.0),
    ("yoga mat", 29.5),
    ("coffee grinder", 56.25),
    ("duvet", 132.0),
)
STREETS = ("12 Harbour Road, Leith", "4 Mill Lane, Cambridge", "88 King Street, Bristol", "9 Elm Row, Bath")
CATALOG: dict[str, tuple[str, dict[str, str]]] = {
    "open_playbook": ("Open the support playbook for a kind of request.", {"playbook": "string"}),
    "get_order": ("Fetch an order by its id.", {"order_id": "string"}),
    "search_orders": ("Find a customer's orders by email address.", {"email": "string"}),
    "search_kb": ("Search the help-centre articles.", {"query": "string"}),
    "issue_refund": ("Refund an amount to the original payment method.", {"order_id": "string", "amount": "number"}),
    "create_return_label": ("Create a prepaid return label for one item.", {"order_id": "string", "sku": "string"}),
    "update_address": ("Change an unshipped order's address.", {"order_id": "string", "address": "string"}),
    "cancel_order": ("Cancel an order that has not shipped.", {"order_id": "string"}),
    "check_status": ("Check an operation's status by its reference.", {"reference": "string"}),
    "send_reply": ("Send the customer a reply from a template.", {"template": "string"}),
    "escalate": ("Hand the ticket to another team.", {"team": "string"}),
    "resolve_directly": ("Keep the ticket: no other team is needed.", {}),
    "log_resolution": ("Close the ticket with a resolution code.", {"order_id": "string", "code": "string"}),
    "ask_customer": ("Ask the customer a clarifying question.", {"question": "string"}),
}
NEAR = {
    "plan": ("search_kb", "ask_customer", "get_order", "escalate", "issue_refund", "cancel_order"),
    "retrieve": ("search_orders", "get_order", "search_kb", "ask_customer", "open_playbook", "issue_refund"),
    "tool call": (
        "issue_refund",
        "create_return_label",
        "update_address",
        "cancel_order",
        "ask_customer",
        "check_status",
    ),
    "validate": ("get_order", "send_reply", "log_resolution", "search_kb", "escalate", "ask_customer"),
    "write": ("ask_customer", "escalate", "log_resolution", "check_status", "search_kb", "resolve_directly"),
    "handoff": ("escalate", "resolve_directly", "log_resolution", "send_reply", "ask_customer", "check_status"),
    "report": ("send_reply", "escalate", "resolve_directly", "check_status", "ask_customer", "get_order"),
}


@dataclass(frozen=True)
class Ticket:
    """One support ticket, a pure function of its number."""

    number: int
    name: str
    issue: str
    order_id: str
    items: tuple[tuple[str, str, float], ...]  # (sku, product, price)
    target: int  # the item the request is about
    address: str
    limit: int  # refunds above this need billing
    flagged: bool  # account under review
    settled: bool  # the operation went through
    with_id: bool  # the customer quoted the order id

    @property
    def email(self) -> str:
        return self.name.lower().replace(" ", ".") + "@example.com"

    @property
    def reference(self) -> str:
        return f"OP-{self.number * 7 % 90000 + 10000}"


def ticket(number: int) -> Ticket:
    rng = random.Random(f"agent_step|ticket|{number}")
    goods = rng.sample(PRODUCTS, rng.randint(2, 3))
    items = tuple((f"SKU-{rng.randint(100, 999)}{i}", p, price) for i, (p, price) in enumerate(goods))
    return Ticket(
        number,
        rng.choice(NAMES),
        rng.choice(ISSUES),
        f"A-{rng.randint(10000, 99999)}",
        items,
        rng.randrange(len(items)),
        rng.choice(STREETS),
        rng.choice((50, 100, 150)),
        rng.random() < 0.2,
        rng.random() < 0.75,
        rng.random() < 0.6,
    )


def team(t: Ticket) -> str:
    if t.flagged:
        return "trust_safety"
    if t.issue == "refund" and t.items[t.target][2] > t.limit:
        return "billing"
    return "" if t.settled else "tier2"


def truth(t: Ticket, step: str) -> tuple[str, dict[str, Any]]:
    sku, _, price = t.items[t.target]
    operations: dict[str, tuple[str, dict[str, Any]]] = {
        "refund": ("issue_refund", {"order_id": t.order_id, "amount": price}),
        "return": ("create_return_label", {"order_id": t.order_id, "sku": sku}),
        "address_change": ("update_address", {"order_id": t.order_id, "address": t.address}),
        "cancellation": ("cancel_order", {"order_id": t.order_id}),
    }
    actions: dict[str, tuple[str, dict[str, Any]]] = {
        "plan": ("open_playbook", {"playbook": t.issue}),
        "retrieve": ("get_order", {"order_id": t.order_id}) if t.with_id else ("search_orders", {"email": t.email}),
        "tool call": operations[t.issue],
        "validate": ("check_status", {"reference": t.reference}),
        "write": ("send_reply", {"template": f"{t.issue}_done" if t.settled else "delay_apology"}),
        "handoff": ("escalate", {"team": team(t)}) if team(t) else ("resolve_directly", {}),
        "report": ("log_resolution", {"order_id": t.order_id, "code": "escalated" if team(t) else "resolved"}),
    }
    return actions[step]


def _result(t: Ticket, step: str) -> dict[str, Any]:
    results: dict[str, dict[str, Any]] = {
        "plan": {
            "playbook": t.issue,
            "policy": f"Refunds above ${t.limit} need billing approval. Accounts under "
            "review go to trust_safety. Operations that fail go to tier2.",
        },
        "retrieve": {
            "order_id": t.order_id,
            "status": "delivered",
            "total": round(sum(i[2] for i in t.items), 2),
            "items": [{"sku": s, "product": p, "price": x} for s, p, x in t.items],
            "account": "under_review" if t.flagged else "ok",
        },
        "tool call": {"accepted": True, "reference": t.reference},
        "validate": {"reference": t.reference, "state": "settled" if t.settled else "failed"},
        "write": {"sent": True},
        "handoff": {"owner": team(t) or "support"},
    }
    return results.get(step, {})


def opening(t: Ticket) -> str:
    order = f"order {t.order_id}" if t.with_id else "my order"
    product = t.items[t.target][1]
    ask = {
        "refund": f"{order} arrived with a broken {product}. I'd like my money back for it.",
        "return": f"I want to send back the {product} from {order}, it doesn't fit.",
        "address_change": f"please deliver {order} to {t.address} instead.",
        "cancellation": f"please cancel {order}, I placed it by mistake.",
    }[t.issue]
    return f"Ticket T-{t.number} from {t.name} <{t.email}>: Hi, {ask}"


def context(t: Ticket, step: str) -> list[dict[str, str]]:
    turns = [{"role": "user", "content": opening(t)}]
    for done in STEPS[: STEPS.index(step)]:
        turns += [
            {"role": "assistant", "content": format_action(*truth(t, done))},
            {"role": "tool", "content": json.dumps(_result(t, done))},
        ]
    return turns


def goal(t: Ticket) -> str:
    return f"Resolve ticket T-{t.number} for {t.name.split()[0]} end to end, following the store's playbooks."


def because(step: str, name: str) -> str:
    return f"At the {step} step the transcript and the playbook's policy call for {name}."


def fill(t: Ticket, name: str) -> dict[str, Any]:
    """Plausible arguments for any catalog action on this ticket."""
    for step in STEPS:
        if truth(t, step)[0] == name:
            return truth(t, step)[1]
    values = {
        "order_id": t.order_id,
        "email": t.email,
        "query": f"{t.issue} policy",
        "playbook": t.issue,
        "amount": round(sum(i[2] for i in t.items), 2),
        "sku": t.items[0][0],
        "address": t.address,
        "reference": t.reference,
        "template": f"{t.issue}_done",
        "team": "tier2",
        "code": "resolved",
        "question": "Could you tell me a little more about the problem?",
    }
    return {arg: values.get(arg, "") for arg in CATALOG[name][1]}


def mistakes(t: Ticket, step: str, names: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """What an agent gets wrong here: the right action with plausible wrong arguments, or another action."""
    right, args = truth(t, step)
    options = {
        "playbook": ISSUES,
        "amount": [round(sum(i[2] for i in t.items), 2)] + [i[2] for i in t.items],
        "sku": [i[0] for i in t.items],
        "team": TEAMS,
        "code": ("resolved", "escalated", "pending"),
        "template": [f"{i}_done" for i in ISSUES] + ["delay_apology"],
    }
    out = [(right, {**args, k: v}) for k in args for v in options.get(k, ()) if v != args[k]]
    if right in ("escalate", "resolve_directly"):
        out += [("resolve_directly", {})] if right == "escalate" else [("escalate", {"team": x}) for x in TEAMS]
    return out + [(n, fill(t, n)) for n in names if n != right]


def unit(*parts: Any) -> float:
    """A stable number in [0, 1) for any JSON-able parts."""
    return int.from_bytes(hashlib.sha256(json.dumps(parts, default=str).encode()).digest()[:4], "big") / 2**32


def world_step(said: str) -> str:
    """The simulated step for a workflow step name: itself when known, else one picked by a stable hash."""
    said = said.strip().lower()
    return said if said in STEPS else STEPS[int(unit(said) * len(STEPS))]
