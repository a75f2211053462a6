"""Compiled plans answer every trusted query byte for byte as graphql-core does.

Two apps serve the same database: one runs trusted query operations on their compiled
plans (``schema.compiled``), the other with ``PORTAL_GRAPHQL_COMPILED_PLANS=off`` runs
everything on graphql-core. Hypothesis writes the data (an account's invoices of one or
both coverages, paid, void, past due, with nulls where the schema allows them, now and
then an amount that is not a whole number of minor units, which fails) and each
operation's variables (page sizes in and out of range, cursors real and forged, filters,
``@include``/``@skip`` values, numbers and ids that exist, belong to someone else or do not
exist). Both apps get the same request, with the same request id; their answers must
have the same status and the same bytes.

The operations are the repository's trusted documents (``schema/trusted/``) and, through
``PORTAL_TRUSTED_DOCUMENTS_DIR``, those of ``compiled_documents/`` beside this file,
which add what the built-in ones do not use: aliases, ``__typename`` at every level,
inline fragments, a fragment spread twice and under a condition, ``@skip``, abstract
types (``node``, ``nodes``) and async fields.

Each answer without errors must have come from the plan (the plan's ``runs`` counter
moved and its ``fallbacks`` did not), so the comparison is not between graphql-core and
itself; an answer with errors may come from graphql-core (a plan hands errors to it).
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from graphql import OperationDefinitionNode, OperationType, parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.oauth.tokens import mint_access_token
from api.services import Services
from api.settings import Settings
from billing.accounts import create_account
from models.invoices import Invoice, InvoiceLine, InvoiceTax
from schema import build_schema
from schema.ids import global_id
from schema.trusted import TrustedDocuments
from tests.conftest import ISSUER, without_cost

DOCUMENTS_DIR = Path(__file__).parent / "compiled_documents"
TRUSTED = TrustedDocuments.load(DOCUMENTS_DIR)
OPERATIONS = [
    (definition.name.value, document.text)
    for document in TRUSTED.documents
    for definition in parse(document.text).definitions
    if isinstance(definition, OperationDefinitionNode) and definition.operation == OperationType.QUERY
    and definition.name is not None
]
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "25"))
_NUMBERS = itertools.count(1)


@dataclass(repr=False)
class Apps:
    compiled: httpx.AsyncClient
    standard: httpx.AsyncClient
    services: Services
    plans: dict[str, Any]
    """The compiled app's plans, by operation name."""


@pytest_asyncio.fixture
async def apps(settings: Settings, signing_key: Any, db: Any) -> AsyncIterator[Apps]:
    compiled_settings = settings.model_copy(update={"trusted_documents_dir": DOCUMENTS_DIR})
    standard_settings = compiled_settings.model_copy(update={"graphql_compiled_plans": False})
    compiled_services = Services.build(compiled_settings, signing_key)
    standard_services = Services.build(standard_settings, signing_key)
    compiled_app = create_app(compiled_services, manage_database=False)
    standard_app = create_app(standard_services, manage_database=False)
    plans = {entry[1].name: entry[1] for entry in compiled_app.state.schema.execution_context_class.compiled.values()}
    assert not standard_app.state.schema.execution_context_class.compiled
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=compiled_app), base_url=ISSUER) as compiled,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=standard_app), base_url=ISSUER) as standard,
    ):
        yield Apps(compiled, standard, compiled_services, plans)
    await compiled_services.aclose()
    await standard_services.aclose()


def test_every_trusted_query_operation_has_a_plan() -> None:
    names = {entry[1].name for entry in build_schema(trusted=TRUSTED).execution_context_class.compiled.values()}
    assert names == {name for name, _ in OPERATIONS}
    assert {"InvoicePage", "Invoice", "InvoiceList", "Account", "Viewer"} <= names
    assert "UpdateBillingEmail" not in names  # mutations always run on graphql-core


# The data.

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
"""Any text PostgreSQL stores (not NUL)."""
_DAYS = st.dates(date(2024, 1, 1), date(2027, 12, 31))


def _amount(coverage: str, corrupt: bool) -> st.SearchStrategy[Decimal]:
    if corrupt:
        return st.just(Decimal("10.5"))  # not whole yen: the field fails
    cents = coverage == "GLOBAL"
    return st.integers(0, 10**9).map(lambda value: Decimal(value).scaleb(-2) if cents else Decimal(value))


@st.composite
def _invoice(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["JP", "GLOBAL", "MERGED"]))
    corrupt = draw(st.integers(0, 19)) == 0
    coverages = ["JP", "GLOBAL"] if kind == "MERGED" else [kind]
    lines = []
    for position in range(draw(st.integers(0, 4))):
        coverage = draw(st.sampled_from(coverages))
        start = draw(_DAYS)
        lines.append({
            "position": position, "order_number": f"ORD-{draw(st.integers(1, 999)):04d}", "product": draw(_TEXT),
            "description": draw(_TEXT), "period_start": start, "period_end": start + timedelta(days=draw(st.integers(0, 60))),
            "amount": draw(_amount(coverage, corrupt and position == 0)),
            "tax_category": draw(st.sampled_from(["STANDARD", "REDUCED", "EXEMPT"])),
            "kind": draw(st.sampled_from(["RECURRING", "OVERAGE", "BURSTING", "POST_TERM"])),
            "coverage": None if kind != "MERGED" and draw(st.booleans()) else coverage,
            "po_number": draw(st.none() | _TEXT),
        })
    taxes = [
        {"category": category, "rate": rate, "taxable_amount": draw(_amount("JP", False)),
         "tax_amount": draw(_amount("JP", False)), "coverage": draw(st.sampled_from([None, "JP"]))}
        for category, rate in draw(st.lists(st.sampled_from([("STANDARD", Decimal("0.1000")), ("REDUCED", Decimal("0.0800"))]),
                                            max_size=2, unique=True))
        if "JP" in coverages
    ]
    issued = draw(_DAYS)
    status = draw(st.sampled_from(["ISSUED", "ISSUED", "PAID", "VOID"]))
    bill_to = {
        key: draw(st.none() | value)
        for key, value in {
            "department": _TEXT, "contact_name": _TEXT, "billing_email": st.emails(), "postal_code": _TEXT,
            "country": st.sampled_from(["JP", "US"]), "region": _TEXT, "city": _TEXT,
            "tax_registration_number": st.just("T1234567890123"),
        }.items()
    }
    bill_to.update(company_name=draw(_TEXT), cc_emails=draw(st.lists(st.emails(), max_size=2)),
                   address_lines=draw(st.lists(_TEXT, max_size=2)))
    money = None if kind == "MERGED" else draw(_amount(kind, False))
    return {
        "coverage": "JP" if kind == "MERGED" else kind, "issue_date": issued,
        "due_date": issued + timedelta(days=draw(st.integers(0, 61))),
        "currency": None if kind == "MERGED" else {"JP": "JPY", "GLOBAL": "USD"}[kind],
        "payment_terms": draw(st.sampled_from(["NET_30", "EOM_FOLLOWING"])), "po_number": draw(st.none() | _TEXT),
        "subtotal": money, "tax_total": None if money is None else Decimal(0), "total": money,
        "bill_to": bill_to, "issuer": {"name": draw(_TEXT), "registration_number": draw(st.none() | st.just("T7000012050002"))},
        "language": draw(st.sampled_from(["ja", "en"])), "status": status,
        "paid_on": issued if status == "PAID" else None, "lines": lines, "taxes": taxes,
    }


async def _store(account_id: uuid.UUID, invoice: dict[str, Any]) -> Invoice:
    serial = next(_NUMBERS) + os.getpid() % 1000 * 100_000
    row = await Invoice.create(
        account_id=account_id, number=f"{invoice['coverage']}-2026-{serial:09d}", year=2026, sequence=serial,
        **{key: value for key, value in invoice.items() if key not in ("lines", "taxes")},
    )
    await InvoiceLine.bulk_create([InvoiceLine(invoice_id=row.id, **line) for line in invoice["lines"]])
    await InvoiceTax.bulk_create([InvoiceTax(invoice_id=row.id, **tax) for tax in invoice["taxes"]])
    return row


# The variables.

def _variables(draw: st.DrawFn, name: str, numbers: list[str], ids: list[str], cursors: list[str]) -> dict[str, Any]:
    first = st.sampled_from([0, 1, 2, 3, 100]) | st.sampled_from([-1, 101])
    after = st.none() | st.sampled_from(cursors or ["Y3Vyc29y"]) | st.just("not a cursor")
    number = st.sampled_from([*numbers, "JP-2026-999999999", ""])
    an_id = st.sampled_from([*ids, global_id("Invoice", 2**31 - 1), global_id("Account", uuid.uuid4()), "garbage"])
    optional = {
        "coverage": st.sampled_from(["JP", "GLOBAL"]),
        "status": st.sampled_from(["ISSUED", "PAST_DUE", "PAID", "VOID"]),
        "withLines": st.booleans(),
        "after": after,
    }
    drawn: dict[str, Any] = {
        "InvoicePage": {"first": first},
        "InvoiceList": {"first": first},
        "Invoice": {"number": number},
        "Aliased": {"first": first, "skipTotals": st.booleans(), "withDates": st.booleans()},
        "Groups": {"first": first, "after": after, "number": number},
        "Nodes": {"id": an_id, "ids": st.lists(an_id, max_size=4)},
    }.get(name, {})
    variables = {key: draw(value) for key, value in drawn.items()}
    if name in ("InvoicePage", "InvoiceList", "Invoice"):
        for key in ("coverage", "status", "withLines", "after"):
            if (name == "Invoice") == (key in ("coverage", "status", "after")):
                continue
            if draw(st.booleans()):
                variables[key] = draw(optional[key])
    return variables


_FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@_FUZZ
@given(invoices=st.lists(_invoice(), min_size=0, max_size=4), data=st.data())
async def test_compiled_plans_answer_byte_for_byte_as_graphql_core(
    invoices: list[dict[str, Any]], data: st.DataObject, apps: Apps, other_account: Any
) -> None:
    owner = f"owner-{uuid.uuid4().hex[:8]}"
    account = await create_account("Compiled K.K.", owner)
    rows = [await _store(account.id, invoice) for invoice in invoices]
    numbers = [row.number for row in rows]
    ids = [global_id("Invoice", row.id) for row in rows]
    subject = data.draw(st.sampled_from([owner, owner, "intruder"]), label="caller")
    token = await _token(apps, subject)
    cursors = await _cursors(apps, token)
    for name, text in OPERATIONS:
        variables = _variables(data.draw, name, numbers, ids, cursors)
        await _same_answer(apps, name, text, variables, token)


async def _token(apps: Apps, subject: str) -> str:
    return await mint_access_token(apps.services.authorization_server, subject, ["billing:read", "invoices:read"])


async def _cursors(apps: Apps, token: str) -> list[str]:
    body = {"query": "{ invoices(first: 3) { edges { cursor } } }"}
    answer = (await apps.standard.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})).json()
    return [edge["cursor"] for edge in ((answer.get("data") or {}).get("invoices") or {}).get("edges", [])]


async def _same_answer(apps: Apps, name: str, text: str, variables: dict[str, Any], token: str) -> None:
    plans = apps.plans[name]
    runs, fallbacks = plans.runs, plans.fallbacks
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": uuid.uuid4().hex}
    body = {"query": text, "variables": variables, "operationName": name}
    compiled = await apps.compiled.post("/graphql", json=body, headers=headers)
    standard = await apps.standard.post("/graphql", json=body, headers=headers)
    shown = f"{name} {variables}\ncompiled: {compiled.text[:2000]}\nstandard: {standard.text[:2000]}"
    assert (compiled.status_code, compiled.content) == (standard.status_code, standard.content), shown
    if "errors" not in compiled.json():
        assert (plans.runs, plans.fallbacks) == (runs + 1, fallbacks), f"not answered by the plan: {shown}"
    else:
        assert plans.runs == runs, shown


async def test_a_plan_answers_by_document_id_too(apps: Apps, account: Any) -> None:
    """A trusted document sent by id runs its plan, like its text."""
    document = next(d for d in TRUSTED.documents if d.source == "invoice_list.graphql")
    token = await _token(apps, "owner")
    plans = apps.plans["InvoiceList"]
    before = plans.runs
    for body in (
        {"documentId": document.id, "variables": {"first": 5}},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document.id.removeprefix("sha256:")}},
         "variables": {"first": 5}},
        {"query": document.text, "variables": {"first": 5}},
    ):
        answer = await apps.compiled.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and without_cost(answer.json()) == {"data": {"invoices": {"edges": []}}}, answer.text
    assert plans.runs == before + 3
