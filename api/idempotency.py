"""``Idempotency-Key`` on ``POST /graphql``: a retried request gets the first answer
instead of running again (docs/limits.md).

The key belongs to the caller (client id, subject and account together): two
callers using the same key never see each other's answers. The request is
fingerprinted by the SHA-256 of its JSON body re-serialised with sorted keys
(whitespace and key order do not matter; any other difference does).

- The first request with a key claims it (a row of ``idempotency_records`` with
  no answer yet; the unique ``(caller, key)`` decides between racing requests),
  runs, and stores its answer (status and body) when the status is below 500 and
  no error is ``INTERNAL``; otherwise, or if it raises, the row is removed so a
  retry runs.
- The same key and body again within ``PORTAL_IDEMPOTENCY_TTL_SECONDS`` (24 h):
  the stored answer, with ``Idempotent-Replayed: true``, without running.
- The same key with another body: HTTP 422 ``IDEMPOTENCY_KEY_REUSED``.
- While the first is still running: wait for its answer (polling, at most
  ``PORTAL_IDEMPOTENCY_WAIT_SECONDS``) and replay it, else HTTP 409
  ``IDEMPOTENCY_IN_PROGRESS``. A claim left unanswered for ``ABANDONED_AFTER`` (the
  process died) is given up, so its key works again.
- Older than the window: forgotten; the row is replaced and the request runs anew.
  Each stored answer also deletes up to ``PURGE_BATCH`` expired rows.

Any POST may carry a key: mutations are the point, a query's answer is replayed
the same way. The time of a claim comes from ``Services.now`` (tests move it).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.exceptions import IntegrityError

from api.settings import Settings
from billing.access.caller import Caller
from models.idempotency import IdempotencyRecord
from schema.error_codes import GraphQLErrorCode

if TYPE_CHECKING:
    from api.services import Services

logger = logging.getLogger("portal.idempotency")

HEADER = b"idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
_VALID_KEY = re.compile(rb"[\x20-\x7e]{1,255}")
ABANDONED_AFTER = timedelta(minutes=10)
"""A claim with no answer this old is given up: far longer than any operation may
run (``PORTAL_GRAPHQL_TIMEOUT_SECONDS`` is at most 300 s)."""
PURGE_BATCH = 100
_RETAKES = 3
POLL_SECONDS = 0.05
_CALLER_LENGTH = 400
"""The width of ``idempotency_records.caller``; a longer caller is stored as its digest."""


@dataclass(frozen=True)
class Claimed:
    """This request holds the key: it runs, and its answer is stored under ``record_id``."""

    record_id: int


@dataclass(frozen=True)
class Answer:
    """The stored answer of the first request."""

    status: int
    body: bytes


class Refused(Enum):
    REUSED = "reused"
    IN_PROGRESS = "in_progress"


class IdempotencyKeys:
    """The stored keys of every caller (``idempotency_records``)."""

    def __init__(
        self, ttl: timedelta, wait_seconds: float, now: Callable[[], datetime], poll_seconds: float = POLL_SECONDS
    ) -> None:
        self.ttl = ttl
        self.wait_seconds = wait_seconds
        self.now = now
        self.poll_seconds = poll_seconds

    @classmethod
    def from_settings(cls, settings: Settings, now: Callable[[], datetime]) -> IdempotencyKeys:
        return cls(timedelta(seconds=settings.idempotency_ttl_seconds), settings.idempotency_wait_seconds, now)

    async def claim(self, caller: str, key: str, fingerprint: str) -> Claimed | Answer | Refused:
        """Hold ``key`` for this request, or say what the request gets instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        retakes = 0  # a row let go of, or forgotten, is claimed again at once (a few times at most)
        while True:
            now = self.now()
            try:
                created = await IdempotencyRecord.create(
                    caller=caller, key=key, request_hash=fingerprint, created_at=now
                )
                return Claimed(created.id)
            except IntegrityError:
                pass
            record = await IdempotencyRecord.get_or_none(caller=caller, key=key)
            stale = record is None or record.created_at <= now - self.ttl or (
                record.status_code is None and record.created_at <= now - ABANDONED_AFTER
            )
            if record is not None and not stale:
                if record.request_hash != fingerprint:
                    return Refused.REUSED
                if record.status_code is not None:
                    return Answer(record.status_code, bytes(record.response_body or b""))
            if stale and retakes < _RETAKES:
                retakes += 1
                if record is not None:
                    await self._forget(record, now)
                continue
            if loop.time() >= deadline:
                return Refused.IN_PROGRESS
            await asyncio.sleep(max(0.0, min(self.poll_seconds, deadline - loop.time())))

    async def _forget(self, record: IdempotencyRecord, now: datetime) -> None:
        """Delete an expired row, or one whose request never answered (unless another
        request replaced it in the meantime)."""
        if record.status_code is None and record.created_at > now - self.ttl:
            logger.warning("idempotency key %r of %s was never answered: given up", record.key, record.caller)
        await IdempotencyRecord.filter(id=record.id, created_at__lte=record.created_at).delete()

    async def store(self, record_id: int, answer: Answer) -> None:
        """Keep ``answer`` for the key (its secrets blanked: ``without_secrets``), and
        purge a batch of expired keys."""
        await IdempotencyRecord.filter(id=record_id).update(
            status_code=answer.status, response_body=without_secrets(answer.body)
        )
        expired = await IdempotencyRecord.filter(created_at__lte=self.now() - self.ttl).limit(PURGE_BATCH).values_list(
            "id", flat=True
        )
        if expired:
            await IdempotencyRecord.filter(id__in=list(expired)).delete()

    async def release(self, record_id: int) -> None:
        """Let go of a key whose request failed, so that a retry runs."""
        try:
            await IdempotencyRecord.filter(id=record_id).delete()
        except Exception:  # the database may be what failed; the claim is given up later
            logger.warning("could not release idempotency record %s", record_id, exc_info=True)

    async def serve(self, caller: Caller, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Run ``app`` under the request's ``Idempotency-Key`` (if it is a POST with one)."""
        values = [value for name, value in scope["headers"] if name.lower() == HEADER]
        if scope.get("method") != "POST" or not values:
            await app(scope, receive, send)
            return
        if len(values) != 1 or not _VALID_KEY.fullmatch(values[0]):
            await _error(
                "The Idempotency-Key header must be one value of 1 to 255 printable ASCII characters.",
                GraphQLErrorCode.BAD_REQUEST, 400,
            )(scope, receive, send)
            return
        key = values[0].decode("ascii")
        body = await _read_body(receive)
        outcome = await self.claim(caller_key(caller), key, fingerprint(body))
        if isinstance(outcome, Answer):
            await replay(outcome)(scope, receive, send)
        elif outcome is Refused.REUSED:
            await _error(
                "This Idempotency-Key was used with another request body: send a new key with a new request.",
                GraphQLErrorCode.IDEMPOTENCY_KEY_REUSED, 422,
            )(scope, receive, send)
        elif outcome is Refused.IN_PROGRESS:
            await _error(
                f"A request with this Idempotency-Key is still running after {self.wait_seconds:g} s: retry later.",
                GraphQLErrorCode.IDEMPOTENCY_IN_PROGRESS, 409, retry_after=1,
            )(scope, receive, send)
        else:
            assert isinstance(outcome, Claimed)
            await self._run(outcome.record_id, app, scope, _replaying(body, receive), send)

    async def _run(self, record_id: int, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        status, chunks = 500, []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await app(scope, receive, capture)
        except BaseException:
            await self.release(record_id)
            raise
        answer = Answer(status, b"".join(chunks))
        if kept(answer):
            await self.store(record_id, answer)
        else:
            await self.release(record_id)


def serve_idempotently(services: Services, caller: Caller) -> Callable[[ASGIApp], ASGIApp]:
    """Wrap an ASGI app so that it runs under the request's ``Idempotency-Key``,
    with ``services``' settings and clock (``Services.now``, read per request)."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            keys = IdempotencyKeys.from_settings(services.settings, services.now)
            await keys.serve(caller, app, scope, receive, send)

        return guarded

    return wrap


def caller_key(caller: Caller) -> str:
    """Whose keys these are: client id, subject and account, unambiguously joined."""
    account = str(caller.account_id) if caller.account_id is not None else None
    joined = json.dumps([caller.client_id, caller.subject, account], separators=(",", ":"))
    if len(joined) <= _CALLER_LENGTH:
        return joined
    return "sha256:" + hashlib.sha256(joined.encode()).hexdigest()


def fingerprint(body: bytes) -> str:
    """SHA-256 of the JSON body with sorted keys and no insignificant whitespace
    (of the bytes as sent, if they are not JSON)."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, RecursionError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def kept(answer: Answer) -> bool:
    """Whether an answer is stored: below 500, and no unexpected (``INTERNAL``) error."""
    if answer.status >= 500:
        return False
    try:
        errors = json.loads(answer.body).get("errors") or []
    except (ValueError, AttributeError, RecursionError):
        return True
    return not any(
        isinstance(error, dict) and (error.get("extensions") or {}).get("code") == GraphQLErrorCode.INTERNAL.value
        for error in errors
    )


SECRET_FIELDS = frozenset({"clientSecret", "secret"})
"""Fields whose value is a secret shown once (a partner client's secret, a webhook
endpoint's signing secret): never stored with an answer."""


def without_secrets(body: bytes) -> bytes:
    """``body`` with every ``SECRET_FIELDS`` value under ``data`` set to null. A secret
    is shown once, to the request that made it; a replay says the request succeeded
    but does not show it again (rotate it if it was lost), so no secret ever rests
    in ``idempotency_records``."""
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        return body
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), dict):
        return body
    found = False
    pending: list[object] = [answer["data"]]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for name, value in item.items():
                if name in SECRET_FIELDS and isinstance(value, str):
                    item[name], found = None, True
                else:
                    pending.append(value)
        elif isinstance(item, list):
            pending.extend(item)
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode() if found else body


def replay(answer: Answer) -> Response:
    return Response(
        answer.body, status_code=answer.status, media_type="application/json", headers={REPLAYED_HEADER: "true"}
    )


def _error(message: str, code: GraphQLErrorCode, status: int, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code.value}}]}, status_code=status, headers=headers
    )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the body already read to the app, then the client's own."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
