"""Hash-chain links: stable under schema growth and storage round trips, sensitive to any real change."""

from __future__ import annotations

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
