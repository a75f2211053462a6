"""Account owners manage their partners' OAuth clients over GraphQL: create (the secret
shown once), list with last use, rotate the secret, disable. Each client is then used
for real: client credentials at /oauth/token over HTTP, the token on /graphql."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from api.oauth.store import create_client, create_public_client
from models.accounts import Account
from models.coverage import Coverage
from models.oauth import IssuedToken, OAuthClient
from schema.ids import global_id
from tests.conftest import ISSUER
from tests.support.invoicing import activate, book, give_profile, line, run_billing

FIELDS = "clientId name scopes createdAt createdBy lastUsedAt secretRotatedAt disabledAt account { id }"
CREATE = f"""
mutation C($input: CreatePartnerClientInput!) {{ createPartnerClient(input: $input) {{
  partnerClient {{ {FIELDS} }} clientSecret errors {{ code field message }} }} }}
"""
ROTATE = f"""
mutation R($id: String!) {{ rotatePartnerClientSecret(input: {{clientId: $id}}) {{
  partnerClient {{ {FIELDS} }} clientSecret errors {{ code field message }} }} }}
"""
DISABLE = f"""
mutation D($id: String!) {{ disablePartnerClient(input: {{clientId: $id}}) {{
  partnerClient {{ {FIELDS} }} errors {{ code field message }} }} }}
"""
LIST = f"""
query L($account: ID) {{ partnerClients(accountId: $account) {{ edges {{ node {{ {FIELDS} }} }} }} }}
"""
INVOICES = "{ invoices { edges { node { number } } } }"


def _data(body: dict[str, Any], name: str) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][name]
    return result


def _listed(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in _data(body, "partnerClients")["edges"]]


def _forbidden(body: dict[str, Any]) -> bool:
    return [error["extensions"]["code"] for error in body.get("errors", [])] == ["FORBIDDEN"]


async def _token(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))


async def _access_token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await _token(http, client_id, secret)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def _reads_invoices(gql: Any, token: str) -> int:
    """The HTTP status of an invoices query with ``token``."""
    return (await gql.post(INVOICES, token)).status_code


async def _create(gql: Any, token: str, name: str = "Freee", scopes: list[str] | None = None,
                  **extra: Any) -> dict[str, Any]:
    variables = {"input": {"name": name, "scopes": ["invoices:read"] if scopes is None else scopes, **extra}}
    return _data(await gql(CREATE, token, variables), "createPartnerClient")


async def _owners_client(gql: Any, token_for: Any) -> tuple[str, str]:
    created = await _create(gql, await token_for("owner", "billing:write"))
    assert created["errors"] == [], created
    return created["partnerClient"]["clientId"], created["clientSecret"]


async def test_an_owner_creates_a_client_whose_secret_reads_the_invoices_over_http(
    gql: Any, client: httpx.AsyncClient, token_for: Any, account: Account
) -> None:
    await give_profile(account, Coverage.GLOBAL)
    _, (row,) = await book(account, [line("X", "10.00")], booked_on=date(2026, 3, 1), start=date(2026, 3, 1),
                           end=date(2027, 2, 28))
    await activate(row, date(2026, 3, 1))
    (number,) = (await run_billing(date(2026, 3, 1))).issued
    owner = await token_for("owner", "billing:write")

    created = await _create(gql, owner, "  Freee accounting  ", ["invoices:read", "billing:read", "invoices:read"])
    assert created["errors"] == []
    partner = created["partnerClient"]
    assert partner["clientId"].startswith("cli_") and partner["name"] == "Freee accounting"
    assert partner["scopes"] == ["invoices:read", "billing:read"]
    assert partner["createdBy"] == "owner" and partner["account"] == {"id": global_id("Account", account.id)}
    assert partner["lastUsedAt"] is None and partner["disabledAt"] is None and partner["secretRotatedAt"] is None
    secret = created["clientSecret"]
    stored = await OAuthClient.get(client_id=partner["clientId"])
    assert len(secret) >= 40 and stored.secret_hash and secret not in stored.secret_hash and not stored.is_public

    granted = await _token(client, partner["clientId"], secret)
    assert granted.status_code == 200, granted.text
    assert sorted(granted.json()["scope"].split()) == ["billing:read", "invoices:read"]
    token = granted.json()["access_token"]
    invoices = _data(await gql(INVOICES, token), "invoices")
    assert [edge["node"]["number"] for edge in invoices["edges"]] == [number]

    (listed,) = _listed(await gql(LIST, await token_for("owner", "billing:read")))
    assert listed["clientId"] == partner["clientId"] and listed["lastUsedAt"] is not None
    used = (await OAuthClient.get(client_id=partner["clientId"])).last_used_at
    await gql(INVOICES, token)  # using the token is not a use of the client: no write per request
    assert (await OAuthClient.get(client_id=partner["clientId"])).last_used_at == used


def test_no_field_of_a_partner_client_can_show_a_secret_or_its_hash() -> None:
    import schema

    fields = schema.build_schema()._schema.type_map["PartnerClient"].fields
    assert not [name for name in fields if "hash" in name.lower() or name.lower().endswith("secret")]


async def test_a_billing_admin_lists_the_clients_but_only_an_owner_changes_them(
    gql: Any, token_for: Any, account: Account
) -> None:
    client_id, _ = await _owners_client(gql, token_for)
    assert [c["clientId"] for c in _listed(await gql(LIST, await token_for("billing", "billing:read")))] == [client_id]
    admin = await token_for("billing", "billing:write")
    assert _forbidden(await gql(CREATE, admin, {"input": {"name": "X", "scopes": ["invoices:read"]}}))
    assert _forbidden(await gql(ROTATE, admin, {"id": client_id}))
    assert _forbidden(await gql(DISABLE, admin, {"id": client_id}))
    assert (await OAuthClient.get(client_id=client_id)).disabled_at is None


async def test_viewers_partners_and_other_accounts_cannot_list_create_rotate_or_disable(
    gql: Any, client: httpx.AsyncClient, token_for: Any, account: Account, other_account: Account
) -> None:
    client_id, secret = await _owners_client(gql, token_for)
    mine = global_id("Account", account.id)

    viewer_read, viewer_write = await token_for("viewer", "billing:read"), await token_for("viewer", "billing:write")
    assert _listed(await gql(LIST, viewer_read)) == []
    assert _forbidden(await gql(CREATE, viewer_write, {"input": {"name": "X", "scopes": ["invoices:read"]}}))
    assert _forbidden(await gql(ROTATE, viewer_write, {"id": client_id}))
    assert _forbidden(await gql(DISABLE, viewer_write, {"id": client_id}))

    # A partner holding billing:write (the CLI may grant it) is still no owner.
    writer_id, writer_secret = await create_client(account.id, "Reseller", ["billing:read", "billing:write"])
    partner = await _access_token(client, writer_id, writer_secret)
    assert _listed(await gql(LIST, partner)) == []
    assert _forbidden(await gql(CREATE, partner, {"input": {"name": "X", "scopes": ["invoices:read"]}}))
    assert _forbidden(await gql(DISABLE, partner, {"id": client_id}))
    reader = await _access_token(client, client_id, secret)  # invoices:read: not even the scope
    assert _forbidden(await gql(LIST, reader)) and _forbidden(await gql(ROTATE, reader, {"id": client_id}))

    intruder = await token_for("intruder", "billing:read billing:write")
    assert _listed(await gql(LIST, intruder)) == [] and _listed(await gql(LIST, intruder, {"account": mine})) == []
    not_found = [{"code": "NOT_FOUND", "field": "clientId", "message": "No such client."}]
    rotated = _data(await gql(ROTATE, intruder, {"id": client_id}), "rotatePartnerClientSecret")
    assert rotated == {"partnerClient": None, "clientSecret": None, "errors": not_found}
    disabled = _data(await gql(DISABLE, intruder, {"id": client_id}), "disablePartnerClient")
    assert disabled == {"partnerClient": None, "errors": not_found}
    planted = await _create(gql, intruder, accountId=mine)
    assert planted["partnerClient"] is None and [e["code"] for e in planted["errors"]] == ["NOT_FOUND"]
    assert planted["errors"][0]["field"] == "accountId"

    assert await OAuthClient.filter(account_id=account.id).count() == 2  # nothing was added, nothing changed
    row = await OAuthClient.get(client_id=client_id)
    assert row.disabled_at is None and row.secret_rotated_at is None
    assert await _reads_invoices(gql, reader) == 200


@pytest.mark.parametrize("client_id", ["", "cli_000000000000000000000000", "x" * 500, "cli_\x00", "é" * 10])
async def test_an_id_that_names_no_client_is_not_found(
    gql: Any, token_for: Any, account: Account, client_id: str
) -> None:
    owner = await token_for("owner", "billing:write")
    answer = _data(await gql(DISABLE, owner, {"id": client_id}), "disablePartnerClient")
    assert [(e["code"], e["field"]) for e in answer["errors"]] == [("NOT_FOUND", "clientId")]


async def test_a_public_client_answers_like_a_missing_one(gql: Any, token_for: Any, account: Account) -> None:
    app = await create_public_client("Mobile app", ["https://app.example/cb"], ["billing:read"],
                                     development=True, issuer=ISSUER)
    for subject, scopes in (("owner", "billing:write"), ("staff-1", "admin")):
        token = await token_for(subject, scopes)
        for document, name in ((ROTATE, "rotatePartnerClientSecret"), (DISABLE, "disablePartnerClient")):
            answer = _data(await gql(document, token, {"id": app.client_id}), name)
            assert [e["code"] for e in answer["errors"]] == ["NOT_FOUND"], (subject, name)
        assert _listed(await gql(LIST, token)) == []
    assert (await OAuthClient.get(client_id=app.client_id)).disabled_at is None


@pytest.mark.parametrize(
    ("scopes", "code"),
    [(["admin"], "INVALID"), (["billing:write"], "INVALID"), (["invoices:read", "billing:write"], "INVALID"),
     (["openid"], "INVALID"), ([], "REQUIRED")],
)
async def test_scopes_beyond_reading_are_refused_on_the_scopes_field(
    gql: Any, token_for: Any, account: Account, scopes: list[str], code: str
) -> None:
    answer = await _create(gql, await token_for("owner", "billing:write"), "ERP", scopes)
    assert answer["partnerClient"] is None and answer["clientSecret"] is None
    assert [(e["code"], e["field"]) for e in answer["errors"]] == [(code, "scopes")]
    if code == "INVALID":
        assert "invoices:read and billing:read" in answer["errors"][0]["message"]
    assert await OAuthClient.all().count() == 0


@pytest.mark.parametrize(
    ("name", "code"), [("   ", "REQUIRED"), ("x" * 201, "TOO_LONG"), ("ERP\x00", "INVALID"), ("a\u202eb", "INVALID")]
)
async def test_the_name_is_checked_naming_the_field(
    gql: Any, token_for: Any, account: Account, name: str, code: str
) -> None:
    answer = await _create(gql, await token_for("owner", "billing:write"), name, ["admin"])
    assert [(e["code"], e["field"]) for e in answer["errors"]] == [(code, "name"), ("INVALID", "scopes")]
    assert await OAuthClient.all().count() == 0


async def test_rotating_the_secret_stops_the_old_one_and_its_tokens_at_once(
    gql: Any, client: httpx.AsyncClient, token_for: Any, account: Account
) -> None:
    client_id, old_secret = await _owners_client(gql, token_for)
    old_token = await _access_token(client, client_id, old_secret)
    assert await _reads_invoices(gql, old_token) == 200

    rotated = _data(await gql(ROTATE, await token_for("owner", "billing:write"), {"id": client_id}),
                    "rotatePartnerClientSecret")
    assert rotated["errors"] == [] and rotated["partnerClient"]["secretRotatedAt"] is not None
    new_secret = rotated["clientSecret"]
    assert new_secret and new_secret != old_secret

    refused = await _token(client, client_id, old_secret)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert await _reads_invoices(gql, old_token) == 401
    assert await _reads_invoices(gql, await _access_token(client, client_id, new_secret)) == 200


async def test_disabling_stops_the_client_and_its_tokens_at_once(
    gql: Any, client: httpx.AsyncClient, token_for: Any, account: Account
) -> None:
    client_id, secret = await _owners_client(gql, token_for)
    token = await _access_token(client, client_id, secret)
    assert await _reads_invoices(gql, token) == 200
    owner = await token_for("owner", "billing:write")

    disabled = _data(await gql(DISABLE, owner, {"id": client_id}), "disablePartnerClient")
    assert disabled["errors"] == [] and disabled["partnerClient"]["disabledAt"] is not None
    assert await _reads_invoices(gql, token) == 401
    assert (await _token(client, client_id, secret)).status_code == 401
    assert await IssuedToken.filter(client_id=client_id, revoked_at=None).count() == 0

    again = _data(await gql(DISABLE, owner, {"id": client_id}), "disablePartnerClient")
    assert again == disabled, "disabling twice changes nothing"
    rotate = _data(await gql(ROTATE, owner, {"id": client_id}), "rotatePartnerClientSecret")
    assert [(e["code"], e["field"]) for e in rotate["errors"]] == [("NOT_ALLOWED", "clientId")]
    (listed,) = _listed(await gql(LIST, owner))
    assert listed["disabledAt"] == disabled["partnerClient"]["disabledAt"]


async def test_staff_manage_the_clients_of_the_account_they_name(
    gql: Any, client: httpx.AsyncClient, token_for: Any, account: Account, other_account: Account
) -> None:
    staff = await token_for("staff-1", "admin")
    mine, theirs = global_id("Account", account.id), global_id("Account", other_account.id)
    unnamed = await _create(gql, staff)
    assert [(e["code"], e["field"]) for e in unnamed["errors"]] == [("REQUIRED", "accountId")]
    made = await _create(gql, staff, "Reseller", ["billing:read"], accountId=theirs)
    assert made["errors"] == [] and made["partnerClient"]["createdBy"] == "staff-1"
    assert made["partnerClient"]["account"] == {"id": theirs}
    owners_id, _ = await _owners_client(gql, token_for)

    assert [c["clientId"] for c in _listed(await gql(LIST, staff, {"account": theirs}))] == [
        made["partnerClient"]["clientId"]]
    assert {c["clientId"] for c in _listed(await gql(LIST, staff))} == {made["partnerClient"]["clientId"], owners_id}
    assert [c["clientId"] for c in _listed(await gql(LIST, staff, {"account": mine}))] == [owners_id]

    rotated = _data(await gql(ROTATE, staff, {"id": owners_id}), "rotatePartnerClientSecret")
    assert rotated["errors"] == [] and rotated["clientSecret"]
    assert (await _token(client, owners_id, rotated["clientSecret"])).status_code == 200
    disabled = _data(await gql(DISABLE, staff, {"id": owners_id}), "disablePartnerClient")
    assert disabled["errors"] == [] and disabled["partnerClient"]["disabledAt"] is not None
