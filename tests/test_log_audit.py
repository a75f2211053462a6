"""The whole suite's log audit (tests/support/log_audit.py): the scan finds a secret in a log,
passes clean logs, and a run whose code logs a token fails even when every test passed."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from api.oauth.store import create_client
from models.accounts import Account
from tests.support import log_audit
from tests.support.payment import OWNER_SCOPES, REGISTER_CARD
from tests.support.server import REPO

JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJvd25lciIsInNjb3BlIjoiYmlsbGluZzpyZWFkIn0.c2lnbmF0dXJl"
ACCESS = {"time": "2026-11-23 07:00:00,000", "level": "INFO", "logger": "portal.access", "request_id": "4bf92f3577b34da6",
          "message": "POST /graphql 200 3.1ms operation=Who", "method": "POST", "route": "/graphql", "status": 200}


def records(directory: Path, *lines: dict[str, Any], test: str = "tests/x.py::test_x") -> None:
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (directory / "records-gw0.jsonl").write_text(f"# log-audit test={test}\n{text}")


def test_clean_logs_pass_and_are_counted(tmp_path: Path) -> None:
    records(tmp_path, ACCESS, {**ACCESS, "logger": "tortoise.db_client", "message": "SELECT 1: ['[redacted]']"})
    (tmp_path / "proc-gw0-0001-portal-serve.log").write_text(
        "# log-audit test=tests/y.py::test_y source=serve.log\n"
        "2026-11-23 07:00:00,000 INFO portal.access [-] GET /healthz 200 0.4ms\n"
    )
    (tmp_path / "secrets-gw0.json").write_text(json.dumps({"a-client-secret-of-43-characters-xxxxxxxxxx": "client secret"}))

    audit = log_audit.scan(tmp_path)

    assert audit.findings == []
    assert (audit.records, audit.files, audit.secrets) == (3, 2, 1)
    assert "no secret logged" in log_audit.report(audit)[0]


def test_a_jwt_anywhere_in_a_record_is_found_with_its_logger_and_test(tmp_path: Path) -> None:
    records(tmp_path, ACCESS, {**ACCESS, "logger": "portal.auth", "message": "refused", "token": JWT})

    (finding,) = log_audit.scan(tmp_path).findings

    assert (finding.kind, finding.logger, finding.test, finding.line) == ("JWT", "portal.auth", "tests/x.py::test_x", 3)
    assert JWT not in finding.excerpt and "eyJh…[" in finding.excerpt


def test_a_registered_secret_in_a_server_log_is_found(tmp_path: Path) -> None:
    secret = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg"  # token_urlsafe(32)-shaped: no pattern knows it
    password = "correct horse battery staple"
    (tmp_path / "proc-gw1-0001-portal-serve.log").write_text(
        "# log-audit test=tests/y.py::test_y source=serve.log\n"
        f"2026-11-23 07:00:00,000 DEBUG portal.auth [-] verifying cli_1:{secret}\n"
        f'{{"logger": "portal.signin", "message": "sign-in by \\"{password}\\""}}\n'
    )
    (tmp_path / "secrets-gw0.json").write_text(json.dumps({secret: "client secret"}))

    audit = log_audit.scan(tmp_path, {password: "password"})

    assert [(f.kind, f.logger, f.test) for f in audit.findings] == [
        ("client secret", "portal.auth", "tests/y.py::test_y"), ("password", "portal.signin", "tests/y.py::test_y"),
    ]
    assert "LOG AUDIT FAILED: 2 secret(s)" in log_audit.report(audit)[0]


@pytest.mark.parametrize("line", [
    "Authorization: Bearer 2YotnFZFEjr1zCsicMWpAA", "headers={'authorization': 'Basic Y2xpXzE6c2VjcmV0'}",
    "webhook whsec_MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=", "card tok_visa_4242_12_2030 attached",
    "client_secret=s3cr3t-value&grant_type=client_credentials", "key {'kty': 'RSA', 'd': 'fB4Xm2kq9Zp1LwY7cR0tVn8sJh3gD6eA5uIoPlKjHxE'}",
    "stored $argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
])
def test_the_patterns_find_secrets_nobody_registered(tmp_path: Path, line: str) -> None:
    records(tmp_path, {**ACCESS, "message": line})
    assert log_audit.scan(tmp_path).findings, line


async def test_the_secrets_the_service_makes_are_registered(db: Any, account: Account) -> None:
    if os.environ.get("LOG_AUDIT") == "off":
        pytest.skip("the log audit is off")
    _, secret = await create_client(account.id, "ERP", ["invoices:read"])
    assert log_audit.registered(secret)


async def test_a_refused_mutation_logs_what_was_wrong_but_no_value_the_client_sent(
    gql: Any, token_for: Any, account: Account, caplog: pytest.LogCaptureFixture,
) -> None:
    """Found by this audit: graphql-core's messages quote the values they refuse, and the
    ``refused operation`` line carried a card token sent with a missing field."""
    owner = await token_for("owner", OWNER_SCOPES)
    card = "tok_visa_4242_12_2030"
    inline = 'mutation { registerCreditCard(input: {token: "%s", coverage: MARS}) { errors { code } } }'
    with caplog.at_level(logging.INFO, logger="portal.graphql"):
        by_variables = await gql.post(REGISTER_CARD, owner, {"input": {"token": card}})
        in_the_document = await gql.post(inline % card, owner)
    assert card in by_variables.text and "MARS" in in_the_document.text, "the client is told what it sent"
    logged = [r.getMessage() for r in caplog.records if r.name == "portal.graphql"]
    assert len(logged) == 2 and all("refused operation" in line for line in logged), logged
    assert not [line for line in logged if card in line or "MARS" in line], logged
    assert "'RegisterCreditCardInput' to include required field 'coverage'" in logged[0], logged
    assert "does not exist in 'Coverage' enum" in logged[1], logged


LEAKY = '''
import logging

def test_passes_but_logs_a_token():
    logging.getLogger("portal.auth").info("refused %s", "{jwt}")
'''


def test_a_run_whose_code_logs_a_token_fails_even_with_xdist(tmp_path: Path) -> None:
    (tmp_path / "test_child.py").write_text(LEAKY.format(jwt=JWT))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LOG_AUDIT"))}
    env.update(PYTHONPATH=str(REPO), TMPDIR=str(tmp_path))  # the failed run's logs are kept: here
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.support.log_audit", "-p", "no:cacheprovider", "-n", "2",
         "test_child.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "LOG AUDIT FAILED: 1 secret(s)" in result.stdout and "JWT in a portal.auth line" in result.stdout
    assert JWT not in result.stdout
