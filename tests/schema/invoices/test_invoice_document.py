"""``Invoice.document``: the stored PDF's digest, size and a signed link, read for a
whole page in one statement that never reads the PDF bytes."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from api.services import billing_policy
from api.settings import Settings
from billing.documents.stored import render_pending
from models.accounts import Account
from models.coverage import Coverage
from models.invoice_documents import InvoiceDocumentFile
from tests.support.invoicing import activate, book, give_profile, line, run_billing

PAGE = "{ invoices(first: 10) { edges { node { number document { url sha256 sizeBytes } } } } }"
DAY = date(2026, 3, 1)


async def _issue(account: Account, settings: Settings, count: int) -> list[str]:
    await give_profile(account, Coverage.JP)
    for index in range(count):
        _, rows = await book(account, [line(f"A{index}", "10.00")], coverage=Coverage.JP, booked_on=DAY, start=DAY,
                             end=date(2027, 2, 28))
        await activate(rows[0], DAY)
    issued = (await run_billing(DAY, policy=billing_policy(settings))).issued
    assert await render_pending(billing_policy(settings).bank) == count  # what the worker does next
    return issued


async def test_a_page_reads_every_document_in_one_statement_without_the_pdf(
    gql: Any, token_for: Any, account: Account, settings: Settings, caplog: Any
) -> None:
    numbers = await _issue(account, settings, 3)
    owner = await token_for("owner", "invoices:read")
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        body = await gql(PAGE, owner)
    (read,) = [r.getMessage() for r in caplog.records if '"invoice_documents"' in r.getMessage()]
    assert '"pdf"' not in read, read

    stored = {row.invoice.number: row for row in await InvoiceDocumentFile.all().select_related("invoice")}
    nodes = [edge["node"] for edge in body["data"]["invoices"]["edges"]]
    assert sorted(node["number"] for node in nodes) == sorted(numbers)
    for node in nodes:
        row = stored[node["number"]]
        assert (node["document"]["sha256"], node["document"]["sizeBytes"]) == (row.sha256, row.size_bytes)
    assert len({node["document"]["url"] for node in nodes}) == 3, "each link names its own document"
