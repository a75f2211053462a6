"""``Idempotency-Key`` on ``POST /graphql`` (docs/limits.md): the same key and body from the
same caller within 24 hours answers the first answer without running again; another body
is refused; a concurrent duplicate waits for the first answer; after 24 hours (the
services' clock moved, no sleeping) the key is forgotten and the request runs anew."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from api.idempotency import ABANDONED_AFTER, Answer, IdempotencyKeys, caller_key, fingerprint
from billing.access.caller import Caller
from models.idempotency import IdempotencyRecord
from models.invoice_profile import ProfileChange
from models.oauth import OAuthClient
from tests.support.payment import OWNER_SCOPES, UPDATE, invoice_coverage

DAY = timedelta(hours=24)
NAHA = {"query": UPDATE, "variables": {"input": {"coverage": "JP", "expectedVersion": 1, "city": "Naha"}}}


class MovableNow:
    """The services' ``now``, moved by the test."""

    def __init__(self) -> None:
        self.instant = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.instant


@pytest.fixture
def now(services: Any) -> MovableNow:
    services.now = MovableNow()
    return services.now


@pytest.fixture
async def owner(gql: Any, token_for: Any, account: Any) -> str:
    """The owner's token; JP pays by invoice, its profile at version 1."""
    await invoice_coverage(gql, token_for, "JP")
    return await token_for("owner", OWNER_SCOPES)


async def post(
    http: httpx.AsyncClient, token: str, body: dict[str, Any] | bytes, key: str | None = "edit-1"
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await http.post("/graphql", content=content, headers=headers)


def update_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["updateInvoiceProfile"]


def codes(update: dict[str, Any]) -> list[str]:
    return [error["code"] for error in update["errors"]]


async def test_twenty_concurrent_identical_updates_run_once_and_all_get_its_answer(client, owner, now):
    answers = await asyncio.gather(*(post(client, owner, NAHA) for _ in range(20)))

    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1, "all twenty get the same answer"
    update = update_of(answers[0])
    assert update["errors"] == [] and update["invoiceProfile"]["version"] == 2
    assert update["invoiceProfile"]["city"] == "Naha"
    assert [a.headers.get("idempotent-replayed", "no") for a in answers].count("true") == 19
    assert await ProfileChange.filter(field="city").count() == 1, "the edit ran once"


async def test_a_retried_update_gets_its_success_back_not_a_version_conflict(client, owner, now):
    first = await post(client, owner, NAHA)
    retried = await post(client, owner, NAHA)

    assert update_of(first)["errors"] == []
    assert retried.status_code == 200 and retried.content == first.content
    assert retried.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    # Sent without the key (or with a new one), the same edit runs again and conflicts.
    assert codes(update_of(await post(client, owner, NAHA, key=None))) == ["VERSION_CONFLICT"]
    assert codes(update_of(await post(client, owner, NAHA, key="edit-2"))) == ["VERSION_CONFLICT"]
    assert await ProfileChange.filter(field="city").count() == 1


CREATE_CLIENT = {"query": "mutation($input: CreatePartnerClientInput!) { createPartnerClient(input: $input) "
                 "{ clientSecret partnerClient { clientId } errors { code } } }",
                 "variables": {"input": {"name": "Ledger", "scopes": ["invoices:read"]}}}


async def test_a_secret_is_shown_once_and_never_kept_with_the_answer(client, owner, now):
    first = (await post(client, owner, CREATE_CLIENT, key="client-1")).json()["data"]["createPartnerClient"]
    retried = await post(client, owner, CREATE_CLIENT, key="client-1")

    assert first["errors"] == [] and first["clientSecret"]
    replayed = retried.json()["data"]["createPartnerClient"]
    assert retried.headers["idempotent-replayed"] == "true"
    assert replayed == {**first, "clientSecret": None}, "the same client, its secret not shown again"
    (record,) = await IdempotencyRecord.filter(key="client-1")
    assert first["clientSecret"].encode() not in bytes(record.response_body)
    assert await OAuthClient.filter(name="Ledger").count() == 1


async def test_the_body_is_compared_as_json_not_as_bytes(client, owner, now):
    first = await post(client, owner, NAHA)
    variables = {"input": {"city": "Naha", "expectedVersion": 1, "coverage": "JP"}}
    reordered = json.dumps({"variables": variables, "query": UPDATE}, indent=2).encode()
    again = await post(client, owner, reordered)
    assert again.headers.get("idempotent-replayed") == "true" and again.content == first.content


async def test_the_same_key_with_another_body_is_refused_and_runs_nothing(client, owner, now):
    await post(client, owner, NAHA)
    sapporo = {"query": UPDATE, "variables": {"input": {"coverage": "JP", "expectedVersion": 2, "city": "Sapporo"}}}

    refused = await post(client, owner, sapporo)

    assert refused.status_code == 422
    assert refused.json() == {"errors": [{
        "message": "This Idempotency-Key was used with another request body: send a new key with a new request.",
        "extensions": {"code": "IDEMPOTENCY_KEY_REUSED"},
    }]}
    assert await ProfileChange.filter(field="city").count() == 1
    assert update_of(await post(client, owner, sapporo, key="edit-2"))["invoiceProfile"]["city"] == "Sapporo"


async def test_after_24_hours_the_key_is_forgotten_and_the_request_runs_anew(client, owner, now):
    first = await post(client, owner, NAHA)
    now.instant += DAY - timedelta(seconds=1)
    assert (await post(client, owner, NAHA)).headers.get("idempotent-replayed") == "true"

    now.instant += timedelta(seconds=1)
    anew = await post(client, owner, NAHA)

    assert "idempotent-replayed" not in anew.headers and anew.content != first.content
    assert codes(update_of(anew)) == ["VERSION_CONFLICT"], "it ran: version 1 is stale by now"
    # The new answer is the one kept from now on.
    assert (await post(client, owner, NAHA)).content == anew.content
    assert await IdempotencyRecord.filter(key="edit-1").count() == 1


async def test_callers_with_the_same_key_never_see_each_others_answers(client, owner, token_for, other_account, now):
    mine = await post(client, owner, NAHA)
    colleague = await post(client, await token_for("billing", OWNER_SCOPES), NAHA)
    stranger = await post(client, await token_for("intruder", OWNER_SCOPES), NAHA)

    assert update_of(mine)["errors"] == []
    for other in (colleague, stranger):
        assert "idempotent-replayed" not in other.headers and other.content != mine.content
    assert codes(update_of(colleague)) == ["VERSION_CONFLICT"], "the colleague's request ran, on its own"
    assert codes(update_of(stranger)) == ["NOT_PAYING_BY_INVOICE"], "another account's coverage JP"
    assert await IdempotencyRecord.filter(key="edit-1").count() == 3


async def test_a_query_with_a_key_is_replayed_too(client, token_for, account, now):
    token = await token_for("owner", "billing:read")
    viewer = {"query": "{ viewer { subject } }"}
    first, again = await post(client, token, viewer, "q-1"), await post(client, token, viewer, "q-1")
    assert first.json()["data"] == {"viewer": {"subject": "owner"}}
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize("key", ["", "k" * 256, "clé", "tab\tinside"], ids=["empty", "256-chars", "non-ascii", "control"])
async def test_a_malformed_key_is_a_400_naming_the_header(client, owner, now, key):
    response = await client.post("/graphql", json=NAHA, headers={
        "Authorization": f"Bearer {owner}", "Idempotency-Key": key.encode("utf-8"),
    })
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST" and "Idempotency-Key" in error["message"]
    assert await ProfileChange.filter(field="city").count() == 0
    assert await IdempotencyRecord.all().count() == 0


async def test_a_key_of_255_printable_characters_is_fine(client, owner, now):
    key = ("".join(chr(c) for c in range(0x21, 0x7F)) * 3)[:255]
    assert update_of(await post(client, owner, NAHA, key=key))["errors"] == []
    assert (await post(client, owner, NAHA, key=key)).headers["idempotent-replayed"] == "true"


# The key store on its own, with ASGI apps that answer as the test says.

CALLER = Caller(subject="alice", scopes=frozenset(), client_id="console")


def scope(key: bytes = b"k-1") -> Scope:
    return {"type": "http", "method": "POST", "path": "/graphql", "headers": [(b"idempotency-key", key)]}


def receiving(body: bytes) -> Receive:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def call(keys: IdempotencyKeys, app: Callable[..., Any], body: bytes = b'{"query": "{ a }"}') -> tuple[int, bytes, dict[bytes, bytes]]:
    """Serve one request; its status, body and headers."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await keys.serve(CALLER, app, scope(), receiving(body), send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"), dict(start["headers"])


class Counting:
    """An ASGI app answering ``status`` and ``body`` (after ``gate`` opens, if given), counting its runs."""

    def __init__(self, status: int = 200, body: bytes = b'{"data": {"a": 1}}', gate: asyncio.Event | None = None) -> None:
        self.status, self.body, self.gate, self.runs, self.bodies = status, body, gate, 0, []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.runs += 1
        self.bodies.append((await receive())["body"])
        if self.gate is not None:
            await self.gate.wait()
        await send({"type": "http.response.start", "status": self.status, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": self.body})


def keys_at(instant: list[datetime], wait_seconds: float = 10.0) -> IdempotencyKeys:
    return IdempotencyKeys(DAY, wait_seconds, lambda: instant[0], poll_seconds=0.01)


async def test_the_app_receives_the_body_unchanged(db):
    app = Counting()
    body = b'{ "query" : "{ a }" }'
    await call(keys_at([datetime.now(UTC)]), app, body)
    assert app.bodies == [body]


@pytest.mark.parametrize("failure", ["500", "503", "internal", "raises"])
async def test_a_failed_answer_lets_go_of_the_key_so_a_retry_runs(db, failure):
    keys = keys_at([datetime.now(UTC)])
    internal = b'{"data": null, "errors": [{"message": "x", "extensions": {"code": "INTERNAL"}}]}'
    failing: Any = {
        "500": Counting(500), "503": Counting(503), "internal": Counting(200, internal), "raises": None,
    }[failure]
    if failing is None:
        async def failing(scope: Scope, receive: Receive, send: Send) -> None:
            raise RuntimeError("boom")
        with pytest.raises(RuntimeError):
            await call(keys, failing)
    else:
        await call(keys, failing)
    assert await IdempotencyRecord.all().count() == 0
    retry = Counting()
    assert (await call(keys, retry))[0] == 200 and retry.runs == 1


async def test_a_client_error_is_kept_and_replayed(db):
    keys, app = keys_at([datetime.now(UTC)]), Counting(400, b'{"errors": [{"message": "bad"}]}')
    assert (await call(keys, app))[0] == 400
    status, body, headers = await call(keys, app)
    assert (status, body, headers[b"idempotent-replayed"], app.runs) == (400, app.body, b"true", 1)


async def test_a_duplicate_waits_for_the_first_answer_and_replays_it(db):
    keys, gate = keys_at([datetime.now(UTC)]), asyncio.Event()
    app = Counting(gate=gate)
    first = asyncio.create_task(call(keys, app))
    while await IdempotencyRecord.all().count() == 0:  # the first holds the key
        await asyncio.sleep(0.01)
    duplicate = asyncio.create_task(call(keys, app))
    await asyncio.sleep(0.05)
    assert not duplicate.done(), "the duplicate waits"
    gate.set()
    (first_status, first_body, _), (status, body, headers) = await first, await duplicate
    assert (status, body, headers[b"idempotent-replayed"]) == (first_status, first_body, b"true")
    assert app.runs == 1


async def test_a_duplicate_that_waits_too_long_is_409_and_does_not_run(db):
    keys, gate = keys_at([datetime.now(UTC)], wait_seconds=0.05), asyncio.Event()
    app = Counting(gate=gate)
    first = asyncio.create_task(call(keys, app))
    while await IdempotencyRecord.all().count() == 0:
        await asyncio.sleep(0.01)
    status, body, headers = await call(keys, app)
    assert status == 409 and headers[b"retry-after"] == b"1"
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_IN_PROGRESS"
    gate.set()
    assert (await first)[0] == 200 and app.runs == 1


async def test_a_claim_never_answered_is_given_up(db):
    instant = [datetime.now(UTC)]
    keys = keys_at(instant, wait_seconds=0)
    await IdempotencyRecord.create(
        caller=caller_key(CALLER), key="k-1", request_hash=fingerprint(b'{"query": "{ a }"}'), created_at=instant[0]
    )
    app = Counting()
    assert (await call(keys, app))[0] == 409 and app.runs == 0
    instant[0] += ABANDONED_AFTER
    assert (await call(keys, app))[0] == 200 and app.runs == 1


async def test_storing_an_answer_purges_expired_keys(db):
    instant = [datetime.now(UTC)]
    keys = keys_at(instant)
    for i in range(3):
        await IdempotencyRecord.create(
            caller="old", key=f"old-{i}", request_hash="x", status_code=200, response_body=b"{}",
            created_at=instant[0] - DAY - timedelta(minutes=i),
        )
    await IdempotencyRecord.create(
        caller="recent", key="recent", request_hash="x", status_code=200, response_body=b"{}",
        created_at=instant[0] - DAY + timedelta(minutes=1),
    )
    await call(keys, Counting())
    assert sorted(await IdempotencyRecord.all().values_list("key", flat=True)) == ["k-1", "recent"]


async def test_a_get_and_a_request_without_a_key_pass_through(db):
    keys, app = keys_at([datetime.now(UTC)]), Counting()
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await keys.serve(CALLER, app, {**scope(), "method": "GET"}, receiving(b""), send)
    await keys.serve(CALLER, app, {**scope(), "headers": []}, receiving(b"{}"), send)
    assert app.runs == 2 and await IdempotencyRecord.all().count() == 0


def test_the_fingerprint_ignores_key_order_and_whitespace_only():
    assert fingerprint(b'{"a": 1, "b": [1, 2]}') == fingerprint(b'{"b":[1,2],"a":1}')
    assert fingerprint(b'{"a": 1}') != fingerprint(b'{"a": 2}')
    assert fingerprint(b'{"a": [1, 2]}') != fingerprint(b'{"a": [2, 1]}')
    assert fingerprint(b"not json") == fingerprint(b"not json") != fingerprint(b"not json ")


def test_callers_are_told_apart_by_client_subject_and_account():
    import uuid
    account = uuid.uuid4()
    base = Caller(subject="a", scopes=frozenset(), client_id="c", account_id=account)
    variants = [
        base,
        Caller(subject="a", scopes=frozenset(), client_id="d", account_id=account),
        Caller(subject="b", scopes=frozenset(), client_id="c", account_id=account),
        Caller(subject="a", scopes=frozenset(), client_id="c", account_id=uuid.uuid4()),
        Caller(subject="a", scopes=frozenset(), client_id="c"),
        Caller(subject="a|c", scopes=frozenset(), client_id=""),
    ]
    assert len({caller_key(c) for c in variants}) == len(variants)
    long = Caller(subject="s" * 255, scopes=frozenset(), client_id="c" * 255, account_id=account)
    assert len(caller_key(long)) <= 400 and caller_key(long) != caller_key(base)
    assert Answer(200, b"") == Answer(200, b"")
