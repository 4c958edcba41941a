"""The API's catalogue of bad input beyond verdicts (tests/web/test_review_api.py has those): each request is
refused with its status and a message naming the problem, and the ledger records nothing."""

from __future__ import annotations

from pathlib import Path

from tests.web.helpers import Served


def _ledger_bytes(served: Served) -> bytes:
    home = Path(served.store_url.removeprefix("sqlite:///")).parent
    return b"".join((home / n).read_bytes() for n in ("ledger.sqlite", "ledger.sqlite-wal") if (home / n).exists())


def test_bad_requests_are_refused_by_name_and_record_nothing(served: Served) -> None:
    before, raw = served.position(), _ledger_bytes(served)
    long_text = "x" * 5000
    cases: list[tuple[str, str, object, bytes | None, int, str]] = [
        ("GET", "/api/queue", None, None, 401, "no bearer token"),
        ("GET", "/api/points/not-a-point", None, None, 404, "no point with id"),
        ("GET", "/api/points/00000000-0000-0000-0000-000000000000", None, None, 404, "no point with id"),
        ("POST", "/api/checklist/poetry/items", {"text": "rhymes"}, None, 404, "poetry"),
        ("POST", "/api/checklist/ground_truth/items", {"text": ""}, None, 422, "text"),
        ("POST", "/api/checklist/ground_truth/items", {"text": 7}, None, 422, "text"),
        ("POST", "/api/checklist/ground_truth/items", {"text": long_text}, None, 422, "text"),
        ("POST", "/api/checklist/ground_truth/items", None, b"{not json", 400, "not valid JSON"),
        ("POST", "/api/checklist/ground_truth/items", [1, 2], None, 400, "send a JSON object"),
        ("POST", "/api/checklist/ground_truth/items/nope", {"text": "x"}, None, 404, "nope"),
        ("POST", "/api/checklist/ground_truth/items/nope/retire", {}, None, 404, "nope"),
        ("GET", "/api/queue?token=secret", None, None, 400, "token"),
    ]
    for method, path, body, data, status, message in cases:
        reviewer = None if status == 401 else "ana"
        got, answer = served.call(method, path, reviewer=reviewer, body=body, raw=data)
        assert got == status and message in str(answer.get("error", "")), (method, path, got, answer)
        assert "secret" not in str(answer)
    assert served.position() == before and _ledger_bytes(served) == raw
