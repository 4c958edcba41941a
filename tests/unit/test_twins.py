"""Twins (domain.chain.twin_of): a fact read from its stored JSON as its twin links exactly as link() links the
fact the reference decoder reads, for every fact type and the awkward values; and a twin never reads what the
reference decoder refuses. Generated facts (seeded, so the same every run) and mutations of their stored JSON."""

from __future__ import annotations

import json
import random
import re
import types
import typing
from typing import Any

import msgspec
import pytest

from adapters import codec
from domain import facts as f
from domain.chain import GENESIS, link, twin_link, twins

ID = "0d3a764c-5deb-50fd-adcd-82a2296854d7"
PREVIOUS = "783aa2e67be7740c30917852c7979c2a445cee3b66733567ec8a5e51d6ef11a6"

TEXTS = ["", "a", "gate", 'é \u2028 "q" \\ \n\t\x00', "😀", "type", '"type":"Queued"', "1.0", "\ud7ff"]
INTS = [0, 1, -1, -5, -6, 256, 257, 10, 4, 2**31, 2**53 + 1, 2**63 - 1, -(2**63)]
FLOATS = [0.0, -0.0, 1.0, -3.0, 0.5, 0.8, 1e-7, 4.1e-05, 0.1 + 0.2, 1e15, 1e16, 123456789.0, 5e-324, 1.5e300]
FLOAT_FIELD = [*FLOATS, 0, 3, 2**53 + 1, -7]  # ints where a float is declared: a struct is not validated
PLAIN = [None, True, False, *TEXTS[:5], *INTS[:8], 2**70, *FLOATS]  # values in dict[str, Any]


def plain_value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.random()
    if depth < 3 and pick < 0.15:
        return {rng.choice(TEXTS): plain_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if depth < 3 and pick < 0.3:
        return [plain_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice(PLAIN)


def value_of(kind: Any, rng: random.Random, default: Any) -> Any:
    """A value for a field declared ``kind``; often its default, as given or as an equal copy."""
    if default is not msgspec.NODEFAULT and rng.random() < 0.35:
        if type(default) is float and rng.random() < 0.5:
            return -default if default == 0 else int(default) if default.is_integer() else default
        return default
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is str:
        return rng.choice(TEXTS)
    if kind is bool:
        return rng.random() < 0.5
    if kind is int:
        return rng.choice(INTS)
    if kind is float:
        return rng.choice(FLOAT_FIELD)
    if kind is Any:
        return plain_value(rng)
    if origin is typing.Literal:
        return rng.choice(args)
    if origin in (typing.Union, types.UnionType):
        (other,) = (a for a in args if a is not type(None))
        return None if rng.random() < 0.4 else value_of(other, rng, msgspec.NODEFAULT)
    if origin is list:
        return [value_of(args[0], rng, msgspec.NODEFAULT) for _ in range(rng.choice([0, 0, 1, 2, 3]))]
    if origin is dict:
        return {rng.choice(TEXTS): value_of(args[1], rng, msgspec.NODEFAULT) for _ in range(rng.randint(0, 3))}
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return make(kind, rng)
    raise AssertionError(f"no generator for {kind!r}")


def make(kind: type[msgspec.Struct], rng: random.Random) -> Any:
    values = {}
    for field in msgspec.structs.fields(kind):
        default = field.default if field.default_factory is msgspec.NODEFAULT else field.default_factory()
        values[field.name] = value_of(field.type, rng, default)
    return kind(**values)


def state_of(fact_json: bytes, tag: str, chain: str = PREVIOUS) -> bytes:
    """A stored Chained state (adapters.codec's layout) around a fact's JSON."""
    return (
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"},"chain":'
        + json.dumps(chain).encode()
        + b',"fact":{"_type_":"assay.'
        + tag.encode()
        + b'","_data_":'
        + fact_json
        + b"}}"
    )


def read_both(state: bytes) -> tuple[Any, Any]:
    """(the reference decode's fact, or None) and (the twin read: twin, fact type, chain; or None)."""
    try:
        reference = codec.decode_state(state).fact.fact
    except codec.Unreadable:
        reference = None
    try:
        twin = codec.decode_twin(state)
    except codec.Unreadable:
        twin = None
    return reference, twin


def outcome(compute: Any) -> tuple[str, Any]:
    try:
        return "value", compute()
    except Exception as exc:
        return "raises", type(exc).__name__


def assert_same_reading(state: bytes, must_read: bool) -> bool:
    """A twin reads only what the reference reads, as the same fact type, and links it the same (or both fail).
    Returns whether the twin read it."""
    reference, twin = read_both(state)
    if twin is None:
        assert not must_read or reference is None, state
        return False
    assert reference is not None, state
    value, fact_type, chain = twin
    assert fact_type is type(reference) and chain == PREVIOUS
    expected = outcome(lambda: link(PREVIOUS, ID, 7, reference))
    assert outcome(lambda: twin_link(PREVIOUS, ID, 7, value)) == expected, state
    assert outcome(lambda: twin_link(PREVIOUS, ID, 7, value)) == expected, state  # fixing again changes nothing
    return True


def mirrored(fact: f.Fact) -> bool:
    return any(type(fact) is fact_type for fact_type, _, _ in twins().values())


def generated(count: int, seed: int) -> list[f.Fact]:
    rng = random.Random(seed)
    return [make(rng.choice(f.ALL_FACTS), rng) for _ in range(count)]


def test_every_fact_type_the_ledger_records_at_volume_has_a_twin() -> None:
    mirrored = {fact_type for fact_type, _, _ in twins().values()}
    assert set(f.CANDIDATE_FACTS) | set(f.RUN_FACTS) | {f.ItemEvaluated} <= mirrored
    # a float default that is no small whole number has no object the decoder returns for it: no twin
    assert f.EvaluationStarted not in mirrored


@pytest.mark.parametrize("writer", ["msgspec", "python-json"])
def test_generated_facts_link_the_same_read_as_twins(writer: str) -> None:
    read = 0
    for fact in generated(1500, seed=14):
        tag = f.tag_of(fact)
        if writer == "msgspec":
            body = msgspec.json.encode(fact)
        else:  # eventsourcing's JSONTranscoder wrote it: 1e-05, 1e+16, \u escapes
            body = json.dumps(msgspec.to_builtins(fact)).encode()
        # every fact type with a twin is read by it, unless the reference refuses the JSON too
        read += assert_same_reading(state_of(body, tag), must_read=mirrored(fact))
    assert read > 1200


def test_older_and_newer_schemas_link_the_same_read_as_twins() -> None:
    for fact in generated(400, seed=15):
        data = msgspec.to_builtins(fact)
        rng = random.Random(len(data))
        for field in msgspec.structs.fields(type(fact)):
            has_default = field.default is not msgspec.NODEFAULT or field.default_factory is not msgspec.NODEFAULT
            if has_default and rng.random() < 0.5:
                data.pop(field.encode_name, None)  # written before the field existed
        data["added_later"] = {"x": 1.0}  # written by a later schema
        if data.get("receipts"):
            data["receipts"][0]["unknown"] = [1, 2.5]
        assert_same_reading(state_of(json.dumps(data).encode(), f.tag_of(fact)), must_read=mirrored(fact))


def test_a_twin_link_is_the_link_the_fact_was_recorded_with() -> None:
    fact = f.Probed(
        gate="difficulty",
        outcomes=[f.ModelOutcome(model="m", n=5, c=5, pass_at_k={"1": 1.0, "5": 0.8}, passed_samples=[0, 1])],
        solve_rate=1,  # an int where a float is declared, as a recorder may pass it
        passed_models=["m"],
        band="discriminating",
        in_band=True,
        receipts=[f.Receipt(role="panel", model="m", prompt_sha256="p", response_sha256="r", cost_usd=0.0)] * 3,
        clusters=[f.AnswerCluster(answer="8", count=5, share=1.0, models=["m"])],
    )
    value, _, _ = codec.decode_twin(state_of(msgspec.json.encode(fact), "Probed"))
    assert twin_link(GENESIS, ID, 3, value) == link(GENESIS, ID, 3, fact)


_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null')
_SWAPS = [
    b"0",
    b"-0",
    b"1",
    b"3.0",
    b"-0.0",
    b"0.5",
    b"1E2",
    b"1e400",
    b"1e-400",
    b"9007199254740993",
    b"18446744073709551616",
    b"0.1000000000000000055511151231257827021181583404541015625",
    b'"0.5"',
    b'""',
    b'"approve"',
    b'"queued"',
    b"true",
    b"false",
    b"null",
    b"[]",
    b"{}",
    b'{"type":"Queued"}',
    b"[1.0]",
]


def test_mutated_json_is_read_by_a_twin_only_as_the_reference_reads_it() -> None:
    """Each value of a stored fact replaced by another kind of value: where the reference decoder refuses the
    result, so does the twin; where both read it, they link it the same."""
    rng = random.Random(16)
    read = 0
    for fact in generated(300, seed=17):
        body = msgspec.json.encode(fact)
        tokens = list(_TOKEN.finditer(body))
        for match in rng.sample(tokens, min(len(tokens), 12)):
            if body[match.end() : match.end() + 1] == b":":  # a key: drop it instead
                mutated = body[: match.start()] + b'"dropped' + body[match.start() + 1 :]
            else:
                mutated = body[: match.start()] + rng.choice(_SWAPS) + body[match.end() :]
            for tag in (f.tag_of(fact), rng.choice([f.tag_of(t) for t in f.ALL_FACTS])):
                read += assert_same_reading(state_of(mutated, tag), must_read=False)
    assert read > 500  # the mutations that still read are checked, not only refusals


@pytest.mark.parametrize(
    "fact_json",
    [
        b'{"type":"Queued","band":"x","cost_usd":1e400}',  # beyond a double: refused by both
        b'{"type":"Queued","band":"x","cost_usd":NaN}',  # Python's JSON only: the reference's generic path
        b'{"type":"GatePassed","gate":"g","detail":{"x":1e16}}',  # a whole float in free-form detail
        b'{"type":"GatePassed","gate":"g","detail":{"x":1e300}}',  # an int too big for msgspec to write
        b'{"type":"GatePassed","gate":"g","detail":{"x":0.1000000000000000055511151231257827021181583404541015625}}',
        b'{"type":"GatePassed","gate":"g","detail":{"x":-0.0,"y":[2.0,{"z":3.5}]}}',
        b'{"type":"Queued","type":"Rejected","gate":"g","reason":"r"}',
        b'{"band":"x","type":"Queued"}',
        b'{"type":"Queued"}',
        b'{"type":"VerdictGiven","verdict":"edit","reviewer":"r","payload":{"a":1.0}}',
        b'{"type":"ItemEvaluated","point_id":"p","model":"m","n":1,"c":1,"pass_at_k":{"1":1},"step_index":-1}',
    ],
)
def test_edge_values_are_read_the_same_or_left_to_the_reference(fact_json: bytes) -> None:
    tag = json.loads(re.sub(rb"NaN", b"0", fact_json))["type"]
    assert_same_reading(state_of(fact_json, tag), must_read=False)
