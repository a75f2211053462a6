"""Logging: the request id on every line, one access line per request, JSON lines
in production (``PORTAL_LOG_FORMAT=json``) or plain text in development, and no
secret in any line (docs/operations.md#logs)."""

from __future__ import annotations

import logging
import time

from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import route_template
from schema.request_id import current_request_id

access_log = logging.getLogger("portal.access")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
REDACTED = "[redacted]"

_ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "operation", "account_id", "client_id")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class SqlParametersFilter(logging.Filter):
    """Tortoise's ``tortoise.db_client`` logger prints each statement's parameters at
    DEBUG (webhook signing secrets, refresh token hashes, e-mail addresses) and the
    connection template (with the database password) when a pool opens: they are
    replaced by ``[redacted]``, the statement itself is kept. ``aiosqlite`` logs each
    call with its parameters at DEBUG too: its arguments are replaced whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("aiosqlite") and record.args:  # the whole call, parameters included
            record.args = tuple(REDACTED for _ in record.args) if isinstance(record.args, tuple) else None
        elif isinstance(record.args, tuple) and len(record.args) >= 2:
            record.args = (record.args[0], *(REDACTED for _ in record.args[1:]))
        elif isinstance(record.args, dict) and record.args:
            record.args = None
            record.msg = f"{record.msg} {REDACTED}"
        return True


def guard_secret_loggers() -> None:
    """Install ``SqlParametersFilter`` on the SQL loggers once (a logger filter
    runs before any handler, the test's capture included) and keep authlib at INFO."""
    for name in ("tortoise.db_client", "aiosqlite"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, SqlParametersFilter) for f in logger.filters):
            logger.addFilter(SqlParametersFilter())
    # authlib logs only at DEBUG, and those lines print the tokens it issues and the
    # requests it reads ("Issue token {...} to ..."): it never logs below INFO.
    authlib = logging.getLogger("authlib")
    if authlib.level < logging.INFO:
        authlib.setLevel(logging.INFO)


def configure_logging(level: str, log_format: str = "text") -> None:
    """Log to stderr at ``level``: ``json`` (one object per line, every extra field
    of a record as a key) or ``text`` (today's development lines)."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    guard_secret_loggers()
    # portal.access replaces uvicorn's access line, which prints the raw path and query
    # (the signed token of a /documents/{token} link among them).
    logging.getLogger("uvicorn.access").disabled = True


def formatter(log_format: str) -> logging.Formatter:
    """``json``: an object per line with ``time``, ``level``, ``logger``, ``request_id``,
    ``message`` and the record's extra fields (the access line's); ``text``: one line."""
    if log_format == "json":
        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
        )
    return logging.Formatter(TEXT_FORMAT)


class AccessLogMiddleware:
    """One ``portal.access`` line per HTTP request at INFO: method, route template,
    status, duration in ms, and (for ``/graphql``) the operation name, account id and
    client id, which ``api.graphql_app`` leaves in the request scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        guard_secret_loggers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            self._log(scope, status, (time.perf_counter() - started) * 1000)

    @staticmethod
    def _log(scope: Scope, status: int, duration_ms: float) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        caller = scope.get("portal.caller")
        account_id = getattr(caller, "account_id", None)
        fields = {
            "method": scope.get("method", "-"),
            "route": route_template(scope),
            "status": status,
            "duration_ms": round(duration_ms, 1),
            "operation": scope.get("portal.operation"),
            "account_id": str(account_id) if account_id is not None else None,
            "client_id": getattr(caller, "client_id", None) or None,
        }
        shown = " ".join(f"{name}={fields[name]}" for name in _ACCESS_FIELDS[4:] if fields[name] is not None)
        access_log.info(
            "%s %s %s %.1fms%s", fields["method"], fields["route"], status, fields["duration_ms"],
            f" {shown}" if shown else "", extra=fields,
        )
