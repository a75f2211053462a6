"""Trusted documents over HTTP: sent by id or by text, refused when unknown or mismatched,
checked at start, listed by ``portal documents``, and the console's own operations among them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.services import Services
from api.settings import Settings, SettingsError
from schema.trusted import BUILT_IN, TrustedDocumentError, TrustedDocuments, document_id

REPO = Path(__file__).resolve().parents[2]
CONSOLE = REPO / "api" / "web" / "console" / "console.js"


def _trusted(name: str) -> Any:
    return next(d for d in TrustedDocuments.load().documents if d.source == name)


def test_the_consoles_operations_are_trusted_documents_word_for_word() -> None:
    """The console sends these texts; only an exact match runs the compiled plan."""
    console = CONSOLE.read_text(encoding="utf-8")
    sent = re.findall(r"^const (?:VIEWER|ACCOUNT|UPDATE_BILLING_EMAIL) = `([^`]*)`;$", console, flags=re.M | re.S)
    assert len(sent) == 3
    trusted = TrustedDocuments.load()
    assert [trusted.by_text(text) is not None for text in sent] == [True, True, True]


def test_a_document_id_is_the_sha256_of_the_files_text() -> None:
    for path in BUILT_IN.glob("*.graphql"):
        assert _trusted(path.name).id == document_id(path.read_text(encoding="utf-8"))
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", _trusted(path.name).id)


async def test_a_mutation_is_sent_by_id_and_runs_as_its_text(gql: Any, token_for: Any, account: Any) -> None:
    document = _trusted("update_billing_email.graphql")
    token = await token_for("owner", "billing:read billing:write")
    variables = {"input": {"coverage": "JP", "expectedVersion": 1, "billingEmail": "ap@example.com"}}
    by_id = await gql.http.post("/graphql", json={"documentId": document.id, "variables": variables},
                                headers={"Authorization": f"Bearer {token}"})
    by_text = await gql(document.text, token, variables)
    assert by_id.status_code == 200
    payload = by_id.json()["data"]["updateInvoiceProfile"]
    assert payload == by_text["data"]["updateInvoiceProfile"]
    assert payload["invoiceProfile"] is None and payload["errors"][0]["code"]  # no profile yet: a business answer


@pytest.mark.parametrize(
    ("body", "status", "code", "says"),
    [
        ({"documentId": "sha256:" + "0" * 64}, 400, "PERSISTED_DOCUMENT_NOT_FOUND", "No trusted document"),
        ({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}}, 400,
         "PERSISTED_DOCUMENT_NOT_FOUND", "No trusted document"),
        ({"documentId": 42}, 400, "BAD_REQUEST", "`documentId` must be a string"),
        ({"documentId": _trusted("viewer.graphql").id, "query": "{ viewer { subject } }"}, 400, "BAD_REQUEST",
         "name different documents"),
    ],
)
async def test_a_document_id_that_names_nothing_is_refused_with_a_code(
    gql: Any, token_for: Any, account: Any, body: dict[str, Any], status: int, code: str, says: str
) -> None:
    token = await token_for("owner", "billing:read")
    answer = await gql.http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == status
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == code and says in error["message"]


async def test_the_same_text_and_id_together_are_accepted(gql: Any, token_for: Any, account: Any) -> None:
    document = _trusted("viewer.graphql")
    token = await token_for("owner", "billing:read")
    body = {"documentId": document.id, "query": document.text}
    answer = await gql.http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.json()["data"]["viewer"]["subject"] == "owner"


def test_a_broken_trusted_document_stops_the_start_naming_its_file(
    tmp_path: Path, settings: Settings, signing_key: Any
) -> None:
    (tmp_path / "broken.graphql").write_text("query Broken { invoices(first: 1) { nope } }\n")
    services = Services.build(settings.model_copy(update={"trusted_documents_dir": tmp_path}), signing_key)
    with pytest.raises(TrustedDocumentError, match=r"broken\.graphql does not fit the schema: .*nope"):
        create_app(services, manage_database=False)
    (tmp_path / "broken.graphql").write_text("query Broken { invoices(first: 1) {\n")
    with pytest.raises(TrustedDocumentError, match=r"broken\.graphql is not valid GraphQL"):
        create_app(services, manage_database=False)


def test_the_documents_directory_setting_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PORTAL_TRUSTED_DOCUMENTS_DIR"):
        Settings.from_env({"PORTAL_TRUSTED_DOCUMENTS_DIR": str(tmp_path / "missing")})
    assert Settings.from_env({"PORTAL_TRUSTED_DOCUMENTS_DIR": str(tmp_path)}).trusted_documents_dir == tmp_path
    assert Settings.from_env({"PORTAL_GRAPHQL_COMPILED_PLANS": "off"}).graphql_compiled_plans is False
    with pytest.raises(SettingsError, match="PORTAL_GRAPHQL_COMPILED_PLANS"):
        Settings.from_env({"PORTAL_GRAPHQL_COMPILED_PLANS": "maybe"})


def test_portal_documents_lists_each_document_with_its_id(tmp_path: Path) -> None:
    (tmp_path / "mine.graphql").write_text("query Mine { viewer { subject } }\n")
    env = {"PATH": "/usr/bin:/bin", "PORTAL_ENV_FILE": "/dev/null", "PORTAL_TRUSTED_DOCUMENTS_DIR": str(tmp_path),
           "PORTAL_DATABASE_URL": f"sqlite://{tmp_path}/db.sqlite3"}
    out = subprocess.run([sys.executable, "-m", "api.cli", "documents"], capture_output=True, text=True, env=env,
                         cwd=REPO, check=True).stdout
    listed = {row["file"]: row for row in map(json.loads, out.splitlines())}
    assert listed["mine.graphql"]["id"] == document_id("query Mine { viewer { subject } }\n")
    assert listed["mine.graphql"]["operations"] == [{"name": "Mine", "type": "query", "compiled": True}]
    assert listed["update_billing_email.graphql"]["operations"][0]["compiled"] is False
