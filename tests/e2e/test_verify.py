"""`assay verify` against a real SQLite ledger that a test tampers with directly, row by row."""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import pytest

from adapters import codec
from adapters.ledger import Row, fact_and_chain, open_ledger, originator_text, scan_raw, twin_reader
from adapters.ledger import rows as ledger_rows
from app import audit
from domain import facts as f
from domain.chain import GENESIS, link, twin_link
from tests.e2e.helpers import SPEC, assay


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger fixed by its seed (at concurrency 1): every draft of seed 1 passes gates, and 4 of 8 are queued."""
    home = tmp_path_factory.mktemp("verify") / ".assay"
    ran = assay(home, "run", str(SPEC), "--attempts", "8", "--concurrency", "1", "--seed", "1", "--quiet")
    assert ran.returncode == 0, ran.stderr
    return home


def copy_of(recorded: Path, tmp_path: Path) -> Path:
    home = tmp_path / ".assay"
    shutil.copytree(recorded, home, ignore=shutil.ignore_patterns("nats"))
    return home


def rows(home: Path, tag: str) -> list[tuple[int, str, int, bytes]]:
    with sqlite3.connect(home / "ledger.sqlite") as db:
        return [
            r
            for r in db.execute(
                "SELECT rowid, originator_id, originator_version, state FROM stored_events ORDER BY rowid"
            )
            if f'"assay.{tag}'.encode() in bytes(r[3])
        ]


def change(home: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(home / "ledger.sqlite") as db:
        db.execute(sql, args)


def verify(home: Path) -> tuple[int, dict]:
    done = assay(home, "verify", "--json")
    return done.returncode, json.loads(done.stdout)


def test_an_untouched_ledger_is_intact(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    code, report = verify(home)
    assert code == 0 and report["ok"] and report["unchained"] == 0
    assert report["events"] > 40 and report["aggregates"] == 9  # one run, eight candidates
    text = assay(home, "verify")
    assert text.returncode == 0 and "ledger intact" in text.stdout


def test_an_altered_fact_is_named(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    rowid, cid, version, state = rows(home, "GatePassed")[0]
    forged = bytes(state).replace(b'"gate":"', b'"gate":"x', 1)
    change(home, "UPDATE stored_events SET state = ? WHERE rowid = ?", forged, rowid)
    code, report = verify(home)
    assert code == 1 and not report["ok"]
    (problem,) = report["problems"]
    assert problem["kind"] == "altered" and problem["version"] == version and problem["position"] == rowid
    assert cid.replace("-", "") in problem["aggregate"].replace("-", "")
    shown = assay(home, "verify")
    assert (
        shown.returncode == 1
        and f"v{version} (position {rowid}, GatePassed) does not match its hash chain" in " ".join(shown.stdout.split())
    )


def test_a_removed_event_is_named(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    rowid, cid, version, _ = next(r for r in rows(home, "GatePassed") if r[2] > 1)
    change(home, "DELETE FROM stored_events WHERE rowid = ?", rowid)
    code, report = verify(home)
    assert code == 1
    kinds = {(p["kind"], p["version"], p["position"]) for p in report["problems"]}
    assert ("removed", version + 1, rowid + 1) in kinds or ("removed", None, rowid) in kinds
    assert any(f"event version {version} is missing" in p["message"] for p in report["problems"])


def test_a_removed_last_event_is_named_by_the_run(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    settled = rows(home, "Queued") + rows(home, "Rejected")
    last = max(settled, key=lambda r: r[0])  # a terminal event; later rows exist only in the run
    change(home, "DELETE FROM stored_events WHERE rowid = ?", last[0])
    code, report = verify(home)
    assert code == 1
    assert any(p["kind"] == "removed" and "event is missing (run" in p["message"] for p in report["problems"])


def test_undecodable_bytes_are_named(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    rowid, cid, version, _ = rows(home, "Drafted")[0]
    change(home, "UPDATE stored_events SET state = ? WHERE rowid = ?", b"{not json", rowid)
    code, report = verify(home)
    assert code == 1
    assert any(p["kind"] == "undecodable" and p["position"] == rowid for p in report["problems"])


# -- forgeries a chain alone cannot see: stripped chains, the newest event, a rewritten aggregate ---------------


def forge(home: Path, rowid: int, edit: Callable[[dict[str, Any]], None], strip: bool = True) -> None:
    """Rewrite a stored event's JSON with ``edit``; ``strip`` deletes its ``chain`` key too."""
    with sqlite3.connect(home / "ledger.sqlite") as db:
        (state,) = db.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()
        body = json.loads(bytes(state))
        edit(body)
        if strip:
            body.pop("chain", None)
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (json.dumps(body).encode(), rowid))


def with_witness(recorded: Path, tmp_path: Path) -> Path:
    home = tmp_path / ".assay"
    shutil.copytree(recorded, home)  # the embedded nats-server's store too: the bus's witnessed heads
    return home


def test_a_forged_last_event_with_its_chain_stripped_is_caught(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    rowid, cid, version, _ = rows(home, "Queued")[-1]
    forge(home, rowid, lambda body: body["fact"]["_data_"].update(band="too_easy"))
    code, report = verify(home)
    assert code == 1 and report["unchained"] == 0
    (problem,) = report["problems"]
    assert (problem["kind"], problem["version"], problem["position"]) == ("altered", version, rowid)
    assert "its chain was stripped" in problem["message"]


def test_every_event_of_a_candidate_stripped_is_caught(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    cid = rows(home, "Queued")[0][1]
    mine = [r for r in rows(home, "") if r[1] == cid]
    for rowid, *_ in mine:
        forge(home, rowid, lambda body: None)
    code, report = verify(home)
    stripped = [p for p in report["problems"] if "chain was stripped" in p["message"]]
    # Only the events after the ledger's first chained one are provably stripped (a candidate's first event may
    # be the ledger's first chained event only if it is the very first event, which is the run's).
    assert code == 1 and {p["position"] for p in stripped} == {r[0] for r in mine}


def test_the_newest_event_removed_is_caught_by_the_witness_and_the_relay(recorded: Path, tmp_path: Path) -> None:
    home = with_witness(recorded, tmp_path)
    code, report = verify(home)
    assert code == 0 and report["witnessed"] > 0
    newest = max(r[0] for r in rows(home, ""))
    change(home, "DELETE FROM stored_events WHERE rowid = ?", newest)
    code, report = verify(home)
    messages = [p["message"] for p in report["problems"]]
    assert code == 1 and any("the bus witnessed it" in m for m in messages)
    assert any("the relay published it" in m for m in messages)
    # Without the bus, the relay's record of how far it published still shows it.
    alone = assay(home, "verify", "--json", "--no-witness")
    assert alone.returncode == 1 and "the relay published it" in alone.stdout


def test_an_aggregate_rewritten_with_its_links_is_caught_by_an_anchor_and_the_witness(
    recorded: Path, tmp_path: Path
) -> None:
    home = with_witness(recorded, tmp_path)
    anchor = tmp_path / "heads.json"
    made = assay(home, "anchor", "--output", str(anchor))
    assert made.returncode == 0 and "anchor written to" in made.stdout
    assert assay(home, "anchor", "--output", str(anchor)).returncode == 2  # never overwritten
    # Rewrite a candidate's last fact and recompute its link, as one who knows the chain rule would.
    rowid, cid, version, state = rows(home, "Queued")[-1]
    before = [r for r in rows(home, "") if r[1] == cid and r[2] == version - 1][0]
    body = json.loads(bytes(state))
    body["fact"]["_data_"]["band"] = "too_easy"
    fact = msgspec.json.decode(json.dumps(body["fact"]["_data_"]).encode(), type=f.Queued)
    previous = json.loads(bytes(before[3]))["chain"]
    body["chain"] = link(previous, UUID(cid), version, fact)
    forge(home, rowid, lambda b: b.update(body), strip=False)
    alone = assay(home, "verify", "--json", "--no-witness")
    assert alone.returncode == 0  # the chain alone cannot see it (README says so)
    anchored = assay(home, "verify", "--json", "--no-witness", "--anchor", str(anchor))
    report = json.loads(anchored.stdout)
    assert anchored.returncode == 1 and any("differs from the anchor" in p["message"] for p in report["problems"])
    witnessed = json.loads(assay(home, "verify", "--json").stdout)
    assert not witnessed["ok"] and any(
        "does not match the head witnessed" in p["message"] for p in witnessed["problems"]
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "anchor.json: not found"),
        (b"\xff\xfe not text", "not UTF-8 text (byte 0xff at offset 0"),
        (b"{nope", "not JSON (line 1"),
        (b'{"format": "other"}', "not an Assay anchor"),
        (b'{"format": "assay-anchor/1", "position": -1, "head": "x", "aggregates": {}}', "a damaged anchor"),
    ],
)
def test_a_bad_anchor_file_is_refused_by_name(
    recorded: Path, tmp_path: Path, content: bytes | None, message: str
) -> None:
    home = copy_of(recorded, tmp_path)
    path = tmp_path / "anchor.json"
    if content is not None:
        path.write_bytes(content)
    before = (home / "ledger.sqlite").read_bytes()
    done = assay(home, "verify", "--no-witness", "--anchor", str(path))
    assert done.returncode == 2 and str(path) in done.stderr and message in done.stderr
    assert (home / "ledger.sqlite").read_bytes() == before


# -- the fast path (facts read as twins, domain.chain.twin_link) against the reference, on a real run's ledger ----


def _reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """verify with every event through the reference path (fact_and_chain and link)."""
    monkeypatch.setattr(audit, "twin_reader", lambda app: lambda topic, state: None)


def test_a_real_ledger_links_the_same_read_as_twins(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    ledger = open_ledger(f"sqlite:///{home / 'ledger.sqlite'}")
    read = twin_reader(ledger)
    previous: dict[str, str] = {}
    stored = [(p, originator_text(i), v, t, s) for chunk in scan_raw(ledger) for p, i, v, t, s in chunk]
    assert [tuple(r) for r in ledger_rows(ledger, 0, 10_000)] == stored
    for position, where, version, topic, state in stored:
        fact, chain = fact_and_chain(ledger, Row(position, where, version, topic, state))
        twin = read(topic, state)
        assert twin is not None and twin[1] is type(fact) and twin[2] == chain and chain is not None
        before = previous.get(where, GENESIS)
        assert twin_link(before, where, version, twin[0]) == link(before, where, version, fact) == chain
        previous[where] = chain
    assert len({type(fact_and_chain(ledger, Row(*n))[0]) for n in stored}) >= 8


def test_verify_reports_every_forgery_as_the_reference_path_does(
    recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each stored fact's values replaced by another kind of value, its chain left, removed, or recomputed by the
    reference link() or by twin_link: the report is the reference path's, word for word."""
    home = copy_of(recorded, tmp_path)
    url = f"sqlite:///{home / 'ledger.sqlite'}"
    ledger = open_ledger(url)
    untouched = audit.verify(ledger, positions_are_dense=True)
    assert untouched.ok
    rng = random.Random(18)
    swaps = [b"0", b"-0.0", b"3.0", b"1e400", b'"x"', b"true", b"null", b"[]", b"{}", b"9007199254740993"]
    compared = 0
    token_of = re.compile(rb'-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|"(?:[^"\\]|\\.)*"')
    for rowid, cid, version, state in rows(home, ""):
        body = json.loads(bytes(state))
        fact_json = json.dumps(body["fact"]["_data_"]).encode()
        previous = GENESIS if version == 1 else _chain_before(home, cid, version)
        for _ in range(3):
            token = rng.choice(list(token_of.finditer(fact_json)))
            mutated = fact_json[: token.start()] + rng.choice(swaps) + fact_json[token.end() :]
            for chain_rule in ("kept", "stripped", "reference", "twin"):
                forged = dict(body, fact={"_type_": body["fact"]["_type_"], "_data_": "@"})
                text = json.dumps(forged).encode().replace(b'"@"', mutated)
                chain = _relinked(ledger, chain_rule, text, previous, cid, version)
                if chain_rule == "stripped":
                    forged.pop("chain")
                elif chain is not None:
                    forged["chain"] = chain
                text = json.dumps(forged).encode().replace(b'"@"', mutated)
                change(home, "UPDATE stored_events SET state = ? WHERE rowid = ?", text, rowid)
                fast = audit.verify(ledger, positions_are_dense=True)
                with monkeypatch.context() as patched:
                    _reference(patched)
                    slow = audit.verify(ledger, positions_are_dense=True)
                assert fast == slow, (rowid, text)
                compared += not fast.ok
        change(home, "UPDATE stored_events SET state = ? WHERE rowid = ?", bytes(state), rowid)
    assert audit.verify(ledger, positions_are_dense=True) == untouched
    assert compared > 100  # forgeries that were caught, reported the same both ways


def _chain_before(home: Path, cid: str, version: int) -> str:
    before = next(r for r in rows(home, "") if r[1] == cid and r[2] == version - 1)
    return str(json.loads(bytes(before[3]))["chain"])


def _relinked(ledger: Any, rule: str, state: bytes, previous: str, cid: str, version: int) -> str | None:
    """The chain a forger who knows the link rule would store (None: keep the stored one)."""
    if rule == "reference":
        try:
            fact = codec.decode_state(state).fact.fact
        except codec.Unreadable:
            return None
        return link(previous, str(UUID(cid)), version, fact)
    if rule == "twin":
        try:
            twin, _, _ = codec.decode_twin(state)
            return twin_link(previous, str(UUID(cid)), version, twin)
        except Exception:
            return None
    return None


def test_a_fact_too_deeply_nested_to_read_is_named_as_the_reference_path_names_it(
    recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = copy_of(recorded, tmp_path)
    rowid, _, version, state = rows(home, "GatePassed")[0]
    deep = b"[" * 100_000 + b"]" * 100_000  # msgspec gives up with a RecursionError, not a DecodeError
    body = json.loads(bytes(state))
    body["fact"]["_data_"]["detail"] = {"x": "@"}
    change(
        home,
        "UPDATE stored_events SET state = ? WHERE rowid = ?",
        json.dumps(body).encode().replace(b'"@"', deep),
        rowid,
    )
    ledger = open_ledger(f"sqlite:///{home / 'ledger.sqlite'}")
    fast = audit.verify(ledger, positions_are_dense=True)
    _reference(monkeypatch)
    assert fast == audit.verify(ledger, positions_are_dense=True)
    assert [(p.kind, p.version, p.position) for p in fast.problems] == [("undecodable", version, rowid)]
