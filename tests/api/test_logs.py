"""Logs: one access line per request with its request id, route, status, duration,
operation, account and client; JSON in production; and no secret in any line, even
at DEBUG with Tortoise printing every SQL statement."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.logs import RequestIdFilter, configure_logging, formatter
from api.oauth.store import create_client
from api.settings import Settings, SettingsError
from models.accounts import Account
from tests.api.oauth.test_authorization_code import PASSWORD, sign_in
from tests.api.oauth.test_authorization_code import owner as owner  # the fixture
from tests.schema.webhooks.documents import CREATE, OWNER_SCOPES
from tests.support.documents import PRODUCTION_ENV
from tests.support.payment import REGISTER_CARD

VIEWER = "query Who { viewer { subject clientId } }"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """What the root logger writes at DEBUG, formatted as JSON lines and as text lines."""
    stream = io.StringIO()
    handlers = []
    for log_format in ("json", "text"):
        handler = logging.StreamHandler(stream)
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(formatter(log_format))
        handlers.append(handler)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield stream
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        root.setLevel(level)


def access_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = [line for line in stream.getvalue().splitlines() if line.startswith("{")]
    return [record for record in map(json.loads, lines) if record["logger"] == "portal.access"]


async def test_no_secret_is_ever_logged_even_at_debug(
    client: httpx.AsyncClient, gql: Any, token_for: Any, account: Account, owner: Any,
    captured: io.StringIO, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    client_id, client_secret = await create_client(account.id, "ERP", ["invoices:read", "billing:read"])
    issued = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, client_secret))
    assert issued.status_code == 200, issued.text
    access_token = issued.json()["access_token"]
    assert (await gql(VIEWER, access_token))["data"]["viewer"]["clientId"] == client_id
    refused = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, client_secret[::-1])
    )
    assert refused.status_code == 401
    assert (await gql.post(VIEWER, access_token[:-4] + "AAAA")).status_code == 401  # a forged signature
    wrong_password = f"{PASSWORD} but wrong"
    assert (await sign_in(client, password=wrong_password)).status_code != 303
    assert (await sign_in(client)).status_code == 303
    owner_token = await token_for("owner", OWNER_SCOPES)
    created = await gql(CREATE, owner_token, {"input": {"url": "http://127.0.0.1:9/hooks", "events": ["INVOICE_PAID"]}})
    webhook_secret = created["data"]["createWebhookEndpoint"]["secret"]
    assert webhook_secret.startswith("whsec_")
    card_token = "tok_visa_4242_12_2030"
    card = {"coverage": "GLOBAL", "token": card_token, "receiptEmail": "cards@acme.test"}
    registered = await gql(REGISTER_CARD, owner_token, {"input": card})
    assert registered["data"]["registerCreditCard"]["errors"] == []

    secrets = {
        "client secret": client_secret, "access token": access_token, "password": PASSWORD,
        "wrong password": wrong_password, "webhook secret": webhook_secret, "owner's token": owner_token,
        "webhook key": webhook_secret.removeprefix("whsec_"), "card token": card_token,
    }
    sql = [r for r in caplog.records if r.name == "tortoise.db_client"]
    assert sql, "the scenario ran with Tortoise's SQL log at DEBUG"
    assert any("webhook" in r.getMessage().lower() and "[redacted]" in r.getMessage() for r in sql)
    written = captured.getvalue()
    for what, secret in secrets.items():
        for record in caplog.records:
            assert secret not in record.getMessage(), f"the {what} is in a {record.name} record"
            assert secret not in str(record.__dict__), f"the {what} is in a field of a {record.name} record"
        assert secret not in written, f"the {what} is in the log output"


async def test_every_request_has_one_json_access_line_with_who_and_what(
    client: httpx.AsyncClient, gql: Any, account: Account, captured: io.StringIO,
) -> None:
    client_id, client_secret = await create_client(account.id, "ERP", ["invoices:read", "billing:read"])
    issued = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, client_secret))
    token = issued.json()["access_token"]
    response = await gql.post(VIEWER, token, x_request_id="req-42")
    assert response.status_code == 200
    await client.get("/invoices/GL-2026-000009.pdf")

    lines = access_lines(captured)
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("POST", "/oauth/token", 200), ("POST", "/graphql", 200), ("GET", "/invoices/{number}.pdf", 401),
    ]
    graphql = lines[1]
    assert graphql["request_id"] == "req-42"
    assert graphql["operation"] == "Who"
    assert graphql["client_id"] == client_id
    assert graphql["account_id"] == str(account.id)
    assert isinstance(graphql["duration_ms"], float) and graphql["duration_ms"] >= 0
    assert graphql["level"] == "INFO" and "time" in graphql
    assert lines[2]["operation"] is None and lines[2]["client_id"] is None
    text = [line for line in captured.getvalue().splitlines() if " portal.access [req-42] " in line]
    assert text == [f"{text[0].split(' INFO ')[0]} INFO portal.access [req-42] POST /graphql 200 "
                    f"{graphql['duration_ms']:.1f}ms operation=Who account_id={account.id} client_id={client_id}"]


def test_production_logs_json_and_development_text_unless_told() -> None:
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"PORTAL_LOG_FORMAT": "json"}).log_format == "json"
    assert Settings.from_env(PRODUCTION_ENV).log_format == "json"
    assert Settings.from_env({**PRODUCTION_ENV, "PORTAL_LOG_FORMAT": "text"}).log_format == "text"
    with pytest.raises(SettingsError, match="PORTAL_LOG_FORMAT"):
        Settings.from_env({"PORTAL_LOG_FORMAT": "xml"})


def test_configured_logging_writes_json_lines_and_silences_uvicorns_raw_access_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO", "json")
        logging.getLogger("portal.test").info("hello %s", "world", extra={"route": "/graphql"})
        logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /documents/secret-link HTTP/1.1" 200')
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines == [{
        "time": lines[0]["time"], "level": "INFO", "logger": "portal.test", "request_id": "-",
        "message": "hello world", "route": "/graphql",
    }]
