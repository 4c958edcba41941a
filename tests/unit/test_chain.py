"""Hash-chain links: stable under schema growth and storage round trips, sensitive to any real change."""

from __future__ import annotations

import enum
import hashlib
from typing import Any

import msgspec
import pytest

from domain import facts as f
from domain.chain import GENESIS, canonical, fact_event, link


class GrownGatePassed(f.Fact, frozen=True, tag="GatePassed"):
    """GatePassed as a later schema might have it: one more field, with a default."""

    gate: str
    detail: dict = {}
    receipts: list[f.Receipt] = []
    reviewed_by: str = ""


def test_adding_a_defaulted_field_keeps_old_links_valid() -> None:
    old = f.GatePassed(gate="oracle", detail={"answer": 3})
    grown = GrownGatePassed(gate="oracle", detail={"answer": 3})
    assert link(GENESIS, "c1", 2, old) == link(GENESIS, "c1", 2, grown)
    assert link(GENESIS, "c1", 2, old) != link(
        GENESIS, "c1", 2, GrownGatePassed(gate="oracle", detail={"answer": 3}, reviewed_by="ana")
    )


def test_a_store_round_trip_keeps_the_link() -> None:
    fact = f.Queued(band="discriminating", cost_usd=0)  # an int where a float is declared
    again = msgspec.json.decode(msgspec.json.encode(fact), type=f.Queued)
    assert again.cost_usd == 0.0 and isinstance(again.cost_usd, float)
    assert link(GENESIS, "c1", 5, fact) == link(GENESIS, "c1", 5, again)


def test_any_change_breaks_the_link() -> None:
    base = link(GENESIS, "c1", 3, f.Rejected(gate="oracle", reason="wrong answer"))
    assert base != link(GENESIS, "c1", 3, f.Rejected(gate="oracle", reason="wrong answer!"))
    assert base != link(GENESIS, "c1", 4, f.Rejected(gate="oracle", reason="wrong answer"))
    assert base != link(GENESIS, "c2", 3, f.Rejected(gate="oracle", reason="wrong answer"))
    assert base != link("1" * 64, "c1", 3, f.Rejected(gate="oracle", reason="wrong answer"))
    assert canonical(f.Queued(cost_usd=1.5)) == {"cost_usd": 1.5}


def test_fact_event_refuses_what_is_not_an_event_of_a_chained_aggregate() -> None:
    with pytest.raises(TypeError, match=r"^object is not an event of a Chained aggregate$"):
        fact_event(object())


def _reference(value: object) -> object:
    """canonical() as first written: one generic loop over each struct's fields (the generated walks must agree)."""
    if isinstance(value, msgspec.Struct):
        out = {}
        for field in msgspec.structs.fields(value):
            item = getattr(value, field.name)
            if field.default is not msgspec.NODEFAULT:
                if item == field.default:
                    continue
            elif field.default_factory is not msgspec.NODEFAULT and item == field.default_factory():
                continue
            out[field.encode_name] = _reference(item)
        return out
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _reference(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_reference(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return msgspec.to_builtins(value)


class _Level(enum.IntEnum):
    HIGH = 2


class _Float(float):
    pass


def test_the_generated_walks_agree_with_the_generic_loop() -> None:
    receipt = f.Receipt(
        role="a", model="m", prompt_sha256="p", response_sha256="r", cost_usd=2.0, seed=None, tries=[f.Try(status=0)]
    )
    odd: dict[Any, Any] = {
        1: (1.0, _Float(3.0), {"x"}),
        "e": _Level.HIGH,
        "t": True,
        "n": None,
        "nan": float("nan"),
        "big": 1e300,
    }
    facts = [
        f.GatePassed(gate="g", detail=odd, receipts=[receipt, receipt]),
        f.GatePassed(gate="g", detail={}, receipts=[], gate_version=""),  # every default
        f.Queued(cost_usd=0),  # an int at a float default
        f.Probed(
            gate="p",
            outcomes=[f.ModelOutcome(model="m", n=1, c=1, pass_at_k={"1": 1.0}, answers=["a"])],
            solve_rate=1.0,
            passed_models=["m"],
            band="b",
            in_band=True,
            clusters=[f.AnswerCluster(answer="a", count=1, share=1.0, models=("m",))],  # type: ignore[arg-type]
        ),
        f.Drafted(run_id="r", index=0, recipe="x", coordinate={}, payload={"q": [1.5, 2.0]}, origin=None),
    ]
    for fact in facts:
        assert repr(canonical(fact)) == repr(_reference(fact))
        assert (
            link(GENESIS, "c1", 1, fact)
            == hashlib.sha256(
                msgspec.json.encode(
                    {"prev": GENESIS, "id": "c1", "v": 1, "tag": f.tag_of(fact), "fact": _reference(fact)},
                    order="sorted",
                )
            ).hexdigest()
        )
