"""Every query and mutation, driven with generated inputs: no 5xx, no masked error, every refusal coded.

hypothesis-graphql writes documents from the published schema (``schema.graphql``), one
root field at a time, with arguments drawn from ``tests.support.graphql_values``: what a
real client sends mixed with what a careless or hostile one does (global ids of the rows
seeded here and of none, any text, amounts and instants at the ends of their ranges).
The test seeds two accounts with orders, activated lines and issued invoices on both
coverages, so that generated ids and mutations reach real rows.

Each document is sent over HTTP to the ASGI app by a caller drawn from the account's
owner, a member with read-only scopes, another account's owner, staff, and a partner
client, sometimes naming an account in ``X-Account-ID``. Every answer must be below 500,
a JSON object, and every error in it must carry one of the codes of
``schema.error_codes`` other than ``INTERNAL`` (the masked unexpected failure).

``PORTAL_FUZZ_EXAMPLES`` sets how many documents each root field gets (default 25; the
negative pass, documents with one schema violation each, gets a fifth of that);
``PORTAL_FUZZ_NO_SHRINK=1`` skips shrinking, for long hunts. A failure prints the document,
the caller and the answer.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from api.oauth.store import create_client
from billing.access.caller import SCOPE_INVOICES_READ
from billing.accounts import add_member, create_account
from models.accounts import Role
from models.coverage import Coverage
from schema.error_codes import GraphQLErrorCode
from schema.ids import global_id
from tests.support.graphql_values import ELSEWHERE, HOME, SCALAR_VALUES
from tests.support.invoicing import activate, book, line, run_billing

SDL = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text(encoding="utf-8")
SCHEMA = graphql.build_schema(SDL)
ROOT_FIELDS = sorted(
    [f"query:{name}" for name in SCHEMA.query_type.fields] + [f"mutation:{name}" for name in SCHEMA.mutation_type.fields]
)
WITH_ARGUMENTS = [
    field for field in ROOT_FIELDS
    if (SCHEMA.query_type if field.startswith("query:") else SCHEMA.mutation_type).fields[field.split(":")[1]].args
]
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "25"))

CODES = {code.value for code in GraphQLErrorCode} - {GraphQLErrorCode.INTERNAL.value}
DAY = date(2026, 3, 2)

def _documents(root_field: str, mode: Mode) -> st.SearchStrategy[str]:
    name = root_field.split(":", 1)[1]
    return from_schema(SCHEMA, fields=[name], custom_scalars=SCALAR_VALUES, mode=mode)


# --- the world the documents run in -----------------------------------------------------------------


@dataclass
class Caller:
    label: str
    token: str

    def __repr__(self) -> str:  # the label says who it is; a token in every report is noise
        return f"Caller({self.label!r})"


@pytest_asyncio.fixture
async def callers(db: Any, client: httpx.AsyncClient, token_for: Any, services: Any) -> list[Caller]:
    """Two accounts with orders, activated lines and issued invoices, and the people who ask."""
    home = await create_account("Acme IoT K.K.", "owner", HOME, owner_email="owner@acme.test")
    await add_member(home.id, "reader", Role.VIEWER)
    elsewhere = await create_account("Other Corp", "intruder", ELSEWHERE)
    for account in (home, elsewhere):
        for coverage in (Coverage.JP, Coverage.GLOBAL):
            _, rows = await book(account, [line("compute", "1000"), line("storage", "300")],
                                 booked_on=DAY, start=DAY, end=date(2027, 3, 1), coverage=coverage)
            for row in rows:
                await activate(row, DAY)
    await run_billing(DAY)
    client_id, secret = await create_client(home.id, "ERP", [SCOPE_INVOICES_READ])
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return [
        Caller("owner", await token_for("owner", "billing:read billing:write")),
        Caller("read-only member", await token_for("reader", "billing:read invoices:read")),
        Caller("another account's owner", await token_for("intruder", "billing:read billing:write")),
        Caller("staff", await token_for("staff-1", "admin")),
        Caller("partner client", response.json()["access_token"]),
    ]


_ACCOUNT_HEADERS = st.one_of(
    st.just({}),
    st.sampled_from([HOME, ELSEWHERE]).map(lambda key: {"X-Account-ID": global_id("Account", key)}),
    st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=60).map(lambda v: {"X-Account-ID": v}),
)


def assert_answered_cleanly(response: httpx.Response, document: str) -> None:
    """Below 500, a JSON object, and every error coded, none of them the masked INTERNAL."""
    context = f"\n--- document ---\n{document[:2000]}\n--- answer {response.status_code} ---\n{response.text[:2000]}"
    assert response.status_code < 500, context
    body = response.json()
    assert isinstance(body, dict), context
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES, context


async def _send(client: httpx.AsyncClient, caller: Caller, document: str, headers: dict[str, str]) -> None:
    # Encoded by hand: escaped, a lone surrogate is valid JSON (httpx would refuse to encode it).
    response = await client.post(
        "/graphql",
        content=json.dumps({"query": document}),
        headers={"Authorization": f"Bearer {caller.token}", "Content-Type": "application/json", **headers},
    )
    assert_answered_cleanly(response, f"# as {caller.label}, headers {headers}\n{document}")


_FUZZ = settings(
    max_examples=EXAMPLES,
    phases=[p for p in Phase if p is not Phase.shrink or not os.environ.get("PORTAL_FUZZ_NO_SHRINK")],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("root_field", ROOT_FIELDS)
@_FUZZ
@given(data=st.data())
async def test_every_root_field_answers_generated_documents_cleanly(root_field, data, client, callers):
    document = data.draw(_documents(root_field, Mode.POSITIVE), label="document")
    caller = data.draw(st.sampled_from(callers), label="caller")
    headers = data.draw(_ACCOUNT_HEADERS, label="headers")
    await _send(client, caller, document, headers)


@pytest.mark.parametrize("root_field", WITH_ARGUMENTS)
@settings(_FUZZ, max_examples=max(1, EXAMPLES // 5))
@given(data=st.data())
async def test_documents_with_one_schema_violation_are_refused_with_a_code(root_field, data, client, callers):
    document = data.draw(_documents(root_field, Mode.NEGATIVE), label="document")
    caller = data.draw(st.sampled_from(callers), label="caller")
    await _send(client, caller, document, {})



# --- bodies that are JSON but not what a GraphQL request looks like ----------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=25,
)


def _deep_text(depth: int, innermost: str) -> str:
    """JSON text nesting ``innermost`` ``depth`` levels deep in arrays and objects (as text:
    a value that deep would overflow ``json.dumps`` and Hypothesis's own printing)."""
    opening = "".join("[" if level % 2 else '{"v":' for level in range(depth))
    closing = "".join("]" if level % 2 else "}" for level in reversed(range(depth)))
    return opening + innermost + closing


_DEEP = st.builds(_deep_text, st.integers(min_value=1, max_value=50_000), st.sampled_from(["1", '"x"', "null"]))
_QUERIES = st.sampled_from([
    "{ viewer { subject } }",
    "query Q($first: Int) { invoices(first: $first) { edges { cursor } } }",
    "mutation M($input: UpdateInvoiceProfileInput!) { updateInvoiceProfile(input: $input) { errors { code } } }",
    "query A { viewer { subject } } query B { viewer { role } }",
]).map(json.dumps)
_JSON_TEXT = _JSON.map(json.dumps)


@st.composite
def _request_texts(draw: st.DrawFn) -> str:
    """A JSON object with a ``query`` and, maybe, ``variables``, ``operationName`` and
    ``extensions``, each of the right type or not, written as text."""
    members = [f'"query":{draw(_QUERIES | _JSON_TEXT)}']
    if draw(st.booleans()):
        variables = draw(_JSON_TEXT | _DEEP | st.builds(lambda name, value: f'{{"{name}":{value}}}',
                                                        st.sampled_from(["first", "input"]), _JSON_TEXT | _DEEP))
        members.append(f'"variables":{variables}')
    if draw(st.booleans()):
        members.append(f'"operationName":{draw(st.sampled_from(["A", "B", "Q", "M", ""]).map(json.dumps) | _JSON_TEXT)}')
    if draw(st.booleans()):
        members.append(f'"extensions":{draw(_JSON_TEXT)}')
    return "{" + ",".join(members) + "}"


@settings(_FUZZ, max_examples=EXAMPLES * 4)
@given(text=st.one_of(_JSON_TEXT, _DEEP, _request_texts()))
async def test_any_json_body_is_answered_with_a_code(text, client, callers):
    """A body that is JSON but not a request object, a query that is not a string, variables
    nested 50,000 deep: a 4xx or an answer, coded, never a 5xx."""
    response = await client.post(
        "/graphql", content=text,
        headers={"Authorization": f"Bearer {callers[0].token}", "Content-Type": "application/json"},
    )
    assert_answered_cleanly(response, text[:2000])
