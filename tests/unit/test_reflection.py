"""The checklist and reflection projections over synthetic envelopes: merging, curation, versions, rates,
and a view rebuilt from zero equal to one built in steps (dumped and reloaded in between)."""

from __future__ import annotations

import random
from typing import Any

from domain import facts as f
from projections.checklist import TOP, Checklist
from projections.reflection import Reflection


class Feed:
    """Numbers envelopes in ledger order and keeps them, so a view can be rebuilt from them."""

    def __init__(self) -> None:
        self.envs: list[f.Envelope] = []

    def __call__(self, oid: str, fact: f.Fact) -> f.Envelope:
        pos = len(self.envs) + 1
        env = f.Envelope(event_id=f"{oid}:{pos}", originator_id=oid, version=1, position=pos, timestamp="", fact=fact)
        self.envs.append(env)
        return env

    def draft(self, cid: str, version: int = 0, recipe: str = "toy") -> f.Envelope:
        return self(
            cid, f.Drafted(run_id="r", index=0, recipe=recipe, coordinate={}, payload={}, checklist_version=version)
        )


def build(feed: Feed, cls: type[Any], envs: list[f.Envelope], every: int = 3) -> Any:
    """Apply ``envs``, dumping and reloading the view every ``every`` envelopes, as catch-up would."""
    view = cls.load(None)
    for i, env in enumerate(envs):
        view.apply(env)
        if i % every == 0:
            view = cls.load(view.dump())
    return view


def scenario(feed: Feed) -> None:
    feed.draft("c1")
    feed("c1", f.Rejected(gate="oracle", reason="Answer '42' does not match oracle '41'"))
    feed.draft("c2")
    feed("c2", f.Rejected(gate="oracle", reason="answer '7' does not match oracle '8' (still failing after 2 repairs)"))
    feed.draft("c3")
    feed("c3", f.Rejected(gate="author", reason="model error: timeout"))  # infrastructure: no item
    feed.draft("c4", version=1)
    feed("c4", f.Queued())
    feed("c4", f.VerdictGiven(verdict="reject", reviewer="ana", reason="ambiguous wording"))
    feed("book", f.ChecklistItemAdded(recipe="toy", item_id="R1", text="State the unit", reviewer="ana"))
    feed(
        "book",
        f.ChecklistItemEdited(
            recipe="toy", item_id="review: ambiguous wording", text="One reading only", reviewer="bo"
        ),
    )
    feed("book", f.ChecklistItemAdded(recipe="toy", item_id="R2", text="Give the tolerance", reviewer="bo"))
    feed(
        "book",
        f.ChecklistItemRetired(
            recipe="toy",
            item_id="oracle: answer '…' does not match oracle '…'",
            reviewer="bo",
            reason="the oracle gate catches it",
        ),
    )
    feed("book", f.ChecklistItemEdited(recipe="toy", item_id="R1", text="Say which unit", reviewer="cy"))
    feed("book", f.ChecklistItemRetired(recipe="toy", item_id="R2", reviewer="cy"))
    for i, verdict in enumerate(("approve", "edit", "reject")):
        feed.draft(f"d{i}", version=6)
        feed(f"d{i}", f.Queued())
        feed(f"d{i}", f.VerdictGiven(verdict=verdict, reviewer="ana", payload={} if verdict == "edit" else None))
    feed.draft("d3", version=6)
    feed("d3", f.Rejected(gate="oracle", reason="answer '1' does not match oracle '2'"))
    feed.draft("d4", version=6)  # still in flight
    feed("other", f.DraftFailed(run_id="r", index=9, recipe="toy", coordinate={}, reason="junk"))


def test_checklist_merges_counts_and_applies_reviewer_changes() -> None:
    feed = Feed()
    scenario(feed)
    view = build(feed, Checklist, feed.envs)
    assert view.dump() == build(feed, Checklist, feed.envs, every=10_000).dump()  # rebuilt == incremental
    assert view.ranked("toy") == [("oracle: answer '…' does not match oracle '…'", 3), ("review: ambiguous wording", 1)]
    assert view.items("toy") == ["Say which unit", "One reading only"]
    who = {
        "R1": ("ana", None, ""),
        "review: ambiguous wording": (None, None, ""),
        "R2": ("bo", "cy", ""),
        "oracle: answer '…' does not match oracle '…'": (None, "bo", "the oracle gate catches it"),
    }
    assert view.entries("toy") == [
        {**row, "added_by": who[row["id"]][0], "retired_by": who[row["id"]][1], "reason": who[row["id"]][2]}
        for row in [
            {
                "id": "R1",
                "text": "Say which unit",
                "count": 0,
                "weight": 0,
                "source": "reviewer",
                "retired": False,
                "edited_by": "cy",
            },
            {
                "id": "review: ambiguous wording",
                "text": "One reading only",
                "count": 1,
                "weight": 3,  # one reviewer's reason weighs as three gate reasons
                "source": "observed",
                "retired": False,
                "edited_by": "bo",
            },
            {
                "id": "R2",
                "text": "Give the tolerance",
                "count": 0,
                "weight": 0,
                "source": "reviewer",
                "retired": True,
                "edited_by": None,
            },
            {
                "id": "oracle: answer '…' does not match oracle '…'",
                "text": "oracle: answer '…' does not match oracle '…'",
                "count": 3,
                "weight": 3,
                "source": "observed",
                "retired": True,
                "edited_by": None,
            },
        ]
    ]
    # +1: oracle item, +1: review item, then each of the six reviewer facts changed what authors see.
    assert view.version("toy") == 8
    assert view.summary()["reviewer_items"] == 2 and view.entries("nope") == [] and view.version("nope") == 0


def test_versions_bump_only_when_the_authors_list_changes() -> None:
    feed, view = Feed(), Checklist()

    def seen(fact: f.Fact, oid: str = "book") -> int:
        view.apply(feed(oid, fact))
        return view.version("toy")

    assert seen(f.ChecklistItemAdded(recipe="toy", item_id="R1", text="State the unit", reviewer="ana")) == 1
    for i in range(TOP + 1):
        view.apply(feed.draft(f"c{i}"))
        seen(f.Rejected(gate="judge", reason=f"misses criterion {chr(97 + i)}"), f"c{i}")
    assert view.version("toy") == 1 + TOP  # the 11th observed item lands below the top: no bump
    assert len(view.items("toy")) == 1 + TOP and view.items("toy")[0] == "State the unit"
    # Retiring a shown observed item lets the 11th in; retiring an item nobody sees still changes nothing.
    assert seen(f.ChecklistItemRetired(recipe="toy", item_id="judge: misses criterion a", reviewer="bo")) == TOP + 2
    assert view.items("toy")[-1] == "judge: misses criterion k"
    view.apply(feed.draft("c99"))
    assert seen(f.Rejected(gate="judge", reason="misses criterion a"), "c99") == TOP + 2  # retired stays off
    assert seen(f.ChecklistItemEdited(recipe="toy", item_id="R1", text="Name the unit", reviewer="bo")) == TOP + 3


def test_checklist_kept_in_order_equals_one_sorted_from_scratch() -> None:
    """Counts moving items up and down the ranking, ties on count, curation in between, dumps and reloads: after
    every fact the list authors see is what ``items()`` computes from the entries, and the ranking kept as counts
    arrive is the one sorted from scratch."""
    rng, feed = random.Random(7), Feed()
    view, envs = Checklist(), []
    reasons = [f"misses criterion {chr(97 + i)}" for i in range(TOP + 6)]
    for i in range(600):
        recipe = rng.choice(("toy", "toy", "other"))
        roll = rng.random()
        if roll < 0.05:
            kind = rng.choice((f.ChecklistItemAdded, f.ChecklistItemEdited, f.ChecklistItemRetired))
            # reviewers add their own ids; edits and retirements also name observed items
            observed = kind is not f.ChecklistItemAdded and rng.random() < 0.5
            item = f"judge: {rng.choice(reasons)}" if observed else f"R{rng.randrange(4)}"
            extra = {} if kind is f.ChecklistItemRetired else {"text": f"text {i}"}
            envs.append(feed("book", kind(recipe=recipe, item_id=item, reviewer="ana", **extra)))
        else:
            envs.append(feed.draft(f"c{i}", recipe=recipe))
            # skewed: a few reasons are common, so counts tie and overtake each other often
            reason = reasons[min(int(rng.expovariate(0.3)), len(reasons) - 1)]
            envs.append(feed(f"c{i}", f.Rejected(gate="judge", reason=reason)))
        for env in envs[-2:] if roll >= 0.05 else envs[-1:]:
            view.apply(env)
        if i % 97 == 0:
            view = Checklist.load(view.dump())
        for name, book in view.recipes.items():
            assert book["shown"] == view.items(name)
            assert view._ordered(name, book) == [text for text, _ in view.ranked(name)]
    assert view.dump() == build(feed, Checklist, envs, every=10_000).dump()
    assert view.version("toy") > TOP and len(view.ranked("toy")) == len(reasons)


def test_reflection_rates_per_checklist_version() -> None:
    feed = Feed()
    scenario(feed)
    view = build(feed, Reflection, feed.envs)
    assert view.dump() == build(feed, Reflection, feed.envs, every=10_000).dump()
    rows = {r["version"]: r for r in view.rates("toy")}
    assert rows[0] == {
        "version": 0,
        "drafted": 3,
        "survived": 0,
        "rejected": 3,
        "settled": 3,
        "decided": 0,
        "approved": 0,
        "survival_rate": 0.0,
        "approval_rate": None,
    }
    assert (rows[1]["survived"], rows[1]["decided"], rows[1]["approved"], rows[1]["approval_rate"]) == (1, 1, 0, 0.0)
    six = rows[6]
    assert (six["drafted"], six["settled"], six["survived"], six["rejected"]) == (5, 4, 3, 1)
    assert (six["survival_rate"], six["decided"], six["approved"], six["approval_rate"]) == (0.75, 3, 2, 0.6667)
    assert list(rows) == [0, 1, 6] and view.rates("nope") == []
    assert view.summary() == {"recipes": 1, "versions": 3, "open_candidates": 1}


def test_only_reasons_an_author_can_act_on_become_items() -> None:
    feed = Feed()
    unactionable = [
        f.Rejected(gate="difficulty", reason="out of band: flat"),
        f.Rejected(gate="difficulty", reason="out of band: too_hard (suspect: no panel model solved it at any k)"),
        f.Rejected(gate="oracle", reason="oracle timed out", cause="model_error"),
        f.Rejected(gate="realism", reason="the judge's reply held no verdict", cause="unusable_output"),
    ]
    for i, fact in enumerate(unactionable):
        feed.draft(f"n{i}")
        feed(f"n{i}", fact)
    feed.draft("a")  # the probe's ambiguity finding names something the author can fix
    feed("a", f.Rejected(gate="difficulty", reason="capable solvers split between readings (answers 4 and 5)"))
    view = build(feed, Checklist, feed.envs)
    assert view.ranked("toy") == [("difficulty: capable solvers split between readings (answers N and N)", 1)]
    assert view.version("toy") == 1


def test_a_reviewers_reason_weighs_three_gate_reasons() -> None:
    feed = Feed()
    for i in range(2):  # a gate reason seen twice, first
        feed.draft(f"g{i}")
        feed(f"g{i}", f.Rejected(gate="oracle", reason="answer disagrees with the oracle"))
    feed.draft("r")
    feed("r", f.Queued())
    feed("r", f.VerdictGiven(verdict="reject", reviewer="ana", reason="the prompt gives the answer away"))
    view = build(feed, Checklist, feed.envs)
    assert view.ranked("toy") == [
        ("review: the prompt gives the answer away", 1),  # weight 3
        ("oracle: answer disagrees with the oracle", 2),  # weight 2
    ]
    for i in range(2, 4):  # two more gate reasons: weight 4 outranks the reviewer's 3
        feed.draft(f"g{i}")
        feed(f"g{i}", f.Rejected(gate="oracle", reason="answer disagrees with the oracle"))
    view = build(feed, Checklist, feed.envs)
    weights = {e["id"]: (e["count"], e["weight"]) for e in view.entries("toy")}
    assert [t for t, _ in view.ranked("toy")][0] == "oracle: answer disagrees with the oracle"
    assert weights == {
        "oracle: answer disagrees with the oracle": (4, 4),
        "review: the prompt gives the answer away": (1, 3),
    }
