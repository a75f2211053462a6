"""Downloading an issued invoice's PDF over HTTP: with a bearer token at
``/invoices/{number}.pdf`` (whoever may read the invoice), or through the signed
link of ``Invoice.document.url`` without one. Both serve the bytes stored at issue."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import httpx
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from api.app import create_app
from api.oauth.keys import SigningKey
from api.services import Services, document_link_secret
from api.settings import Settings
from billing.documents.links import LINK_SALT
from models.accounts import Account
from models.invoice_documents import InvoiceDocumentFile
from tests.conftest import ISSUER
from tests.support.documents import OWN_PRINTED_VALUES, issue_jp_invoice, pdf_text
from tests.support.payment import UPDATE

DOCUMENT = "query D($number: String!) { invoice(number: $number) { number document { url sha256 sizeBytes } } }"
OWN_BANK = dict(bank_name="みずほ銀行", bank_branch="渋谷支店", bank_account_type="CHECKING",
                bank_account_number="7654321", bank_account_holder=OWN_PRINTED_VALUES["PORTAL_BANK_ACCOUNT_HOLDER"])


async def download(client: httpx.AsyncClient, number: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.get(f"/invoices/{number}.pdf", headers=headers)


async def partner_token(client: httpx.AsyncClient, account: Account) -> str:
    from api.oauth.store import create_client

    client_id, secret = await create_client(account.id, "ERP", ["invoices:read"])
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def assert_served(response: httpx.Response, number: str, row: InvoiceDocumentFile) -> None:
    assert response.status_code == 200, response.text
    assert response.content == row.pdf and hashlib.sha256(response.content).hexdigest() == row.sha256
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["etag"] == f'"{row.sha256}"'


async def test_both_routes_serve_the_stored_bytes_and_digest(
    client: httpx.AsyncClient, gql: Any, token_for: Any, account: Account, settings: Settings
) -> None:
    number = await issue_jp_invoice(account, settings)
    row = await InvoiceDocumentFile.get(invoice__number=number)
    owner = await token_for("owner", "billing:read")
    assert_served(await download(client, number, owner), number, row)

    document = (await gql(DOCUMENT, owner, {"number": number}))["data"]["invoice"]["document"]
    assert (document["sha256"], document["sizeBytes"]) == (row.sha256, len(row.pdf))
    assert document["url"].startswith(f"{ISSUER}/documents/")
    assert_served(await client.get(document["url"]), number, row)  # no Authorization header


async def test_a_profile_edit_and_new_settings_leave_the_download_unchanged(
    client: httpx.AsyncClient, gql: Any, token_for: Any, account: Account, settings: Settings, signing_key: SigningKey
) -> None:
    number = await issue_jp_invoice(account, settings)
    owner = await token_for("owner", "billing:read billing:write")
    issued = (await download(client, number, owner)).content
    edit = {"coverage": "JP", "expectedVersion": 1, "contactName": "Renamed Person", "city": "Renamed City"}
    edited = await gql(UPDATE, owner, {"input": edit})
    assert edited["data"]["updateInvoiceProfile"]["errors"] == [], edited
    assert edited["data"]["updateInvoiceProfile"]["invoiceProfile"]["contactName"] == "Renamed Person"
    assert (await download(client, number, owner)).content == issued

    # Another issuer name and bank account: a document rendered now would differ; the stored one is served.
    renamed = settings.model_copy(update={"issuer_name": "Renamed Cloud K.K.", **OWN_BANK})
    app = create_app(Services.build(renamed, signing_key), manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as other:
        again = (await download(other, number, owner)).content
    assert again == issued
    text = pdf_text(again)
    assert "Hanako Yamada" in text and "Tokyo" in text and "Billing Portal K.K." in text
    assert "Renamed" not in text and "7654321" not in text


async def test_a_japanese_invoice_names_its_number_registration_number_and_bank(
    client: httpx.AsyncClient, token_for: Any, account: Account, settings: Settings
) -> None:
    number = await issue_jp_invoice(account, settings.model_copy(update=OWN_BANK))
    text = pdf_text((await download(client, number, await token_for("owner", "billing:read"))).content)
    for printed in (number, "T7000012050002", "みずほ銀行", "渋谷支店", "当座", "7654321", "請求書"):
        assert printed in text, printed


async def test_a_foreign_or_missing_invoice_is_404_and_a_missing_token_401(
    client: httpx.AsyncClient, token_for: Any, account: Account, other_account: Account, settings: Settings
) -> None:
    number = await issue_jp_invoice(account, settings)
    intruder = await token_for("intruder", "billing:read billing:write")
    for asked in (number, "JP-2026-999999", "not-a-number"):
        response = await download(client, asked, intruder)
        assert response.status_code == 404, response.text
        assert response.json()["error"] == "not_found" and response.content.find(b"%PDF") == -1
    assert (await download(client, number, await token_for("owner", "billing:read"))).status_code == 200
    missing = await download(client, number, None)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    forged = await download(client, number, "not.a.jwt")
    assert forged.status_code == 401 and 'error="invalid_token"' in forged.headers["www-authenticate"]


async def test_a_partner_with_invoices_read_downloads_its_own_accounts_documents_only(
    client: httpx.AsyncClient, account: Account, other_account: Account, settings: Settings
) -> None:
    number = await issue_jp_invoice(account, settings)
    row = await InvoiceDocumentFile.get(invoice__number=number)
    assert_served(await download(client, number, await partner_token(client, account)), number, row)
    assert (await download(client, number, await partner_token(client, other_account))).status_code == 404


async def test_an_expired_link_is_gone(
    client: httpx.AsyncClient, account: Account, settings: Settings, signing_key: SigningKey
) -> None:
    row = await InvoiceDocumentFile.get(invoice__number=await issue_jp_invoice(account, settings))

    class ElevenMinutesAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 660

    secret = document_link_secret(settings, signing_key)
    token = URLSafeTimedSerializer(secret, salt=LINK_SALT, signer=ElevenMinutesAgo).dumps([row.id, row.sha256])
    response = await client.get(f"/documents/{token}")
    assert response.status_code == 410
    assert response.json()["error"] == "link_expired" and "expired" in response.json()["message"]
    fresh = URLSafeTimedSerializer(secret, salt=LINK_SALT).dumps([row.id, row.sha256])
    assert (await client.get(f"/documents/{fresh}")).status_code == 200, "the same link, signed now, opens"


async def test_a_forged_or_altered_link_is_not_found(
    client: httpx.AsyncClient, account: Account, settings: Settings, signing_key: SigningKey
) -> None:
    row = await InvoiceDocumentFile.get(invoice__number=await issue_jp_invoice(account, settings))
    secret = document_link_secret(settings, signing_key)
    forged = URLSafeTimedSerializer("an attacker's guess at the secret......", salt=LINK_SALT).dumps([row.id, row.sha256])
    genuine = URLSafeTimedSerializer(secret, salt=LINK_SALT).dumps([row.id, row.sha256])
    other_bytes = URLSafeTimedSerializer(secret, salt=LINK_SALT).dumps([row.id, "0" * 64])
    for token in (forged, genuine[:-3] + "abc", "garbage", other_bytes):
        response = await client.get(f"/documents/{token}")
        assert response.status_code == 404, token
        assert response.json()["error"] == "not_found"


async def test_a_document_not_rendered_yet_is_null_and_a_download_renders_it(
    client: httpx.AsyncClient, gql: Any, token_for: Any, account: Account, settings: Settings
) -> None:
    number = await issue_jp_invoice(account, settings, rendered=False)
    owner = await token_for("owner", "billing:read")
    assert (await gql(DOCUMENT, owner, {"number": number}))["data"]["invoice"] == {"number": number, "document": None}
    downloaded = await download(client, number, owner)
    assert downloaded.status_code == 200 and downloaded.content.startswith(b"%PDF-")
    shown = (await gql(DOCUMENT, owner, {"number": number}))["data"]["invoice"]["document"]
    assert shown is not None and shown["sha256"] == hashlib.sha256(downloaded.content).hexdigest()
