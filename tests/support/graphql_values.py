"""Values for GraphQL arguments, as Hypothesis strategies of AST value nodes: what a real
client sends mixed with what a careless or hostile one does.

Shared by the generated-operations test (hypothesis-graphql in-process) and the
Schemathesis run against a served app (registered there by ``schemathesis_hooks``), so
both drive the API with the same values:

* ``ID``: global ids of every node type with small keys (the rows a test or the demo
  seeded), keys out of range or not numbers, accounts that exist in tests and do not,
  and junk;
* ``String``: the realistic values of the forms (emails, countries, postal codes,
  registration numbers, PO numbers, invoice numbers) or any text: control characters,
  bidirectional overrides, lone surrogates, NUL bytes, very long runs;
* ``Decimal``, ``Date`` and ``DateTime``: valid, at the ends of their ranges (NaN,
  Infinity, year 1 and 9999, offsets that push an instant out of range, huge amounts)
  or malformed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st
from hypothesis_graphql import nodes

from schema.ids import MAX_KEY, global_id

HOME = uuid.UUID("00000000-0000-4000-8000-00000000a001")
"""The account the generated-operations test seeds (its owner is ``owner``)."""
ELSEWHERE = uuid.UUID("00000000-0000-4000-8000-00000000b002")
"""Another account that test seeds (its owner is ``intruder``)."""
NODE_TYPES = ["Invoice", "OrderLine", "Subscription", "InvoiceProfile", "InvoiceApplication", "EmailMessage"]

HOSTILE_TEXT = st.one_of(
    st.text(st.characters(codec=None), max_size=40),  # anything, lone surrogates included
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1, max_size=8),  # controls, bidi
    st.sampled_from(["\x00", "\u202e", "\u2066evil\u2069", "e\u0301", "\ufeff", "\ud800", " ", "", "\\", '"']),
    st.integers(min_value=200, max_value=20_000).map(lambda n: "x" * n),
)
_FORM_TEXT = st.sampled_from([
    "Acme IoT K.K.", "株式会社アクメ", "Accounts Payable", "ap@acme.test", "billing@example.com", "a@b",
    "JP", "US", "DE", "jp", "ZZ", "100-0001", "94105", "+81-3-1234-5678", "Tokyo", "Chiyoda 1-1",
    "T1234567890123", "T0000000000000", "PO-2026-001", "compute", "storage", "visa", "tok_visa_4242",
    "2026-0001", "JP-2026-000001", "GL-2026-000001", "idem-1", "ENTERPRISE", "EN", "ja", "en",
])
_TEXT = st.one_of(_FORM_TEXT, HOSTILE_TEXT)

_KEYS = st.one_of(
    st.integers(min_value=1, max_value=12),
    st.sampled_from([0, -1, MAX_KEY, MAX_KEY + 1, 10**30]),
    st.sampled_from(["01", "1.0", " 1", "1e3", "١", "abc", ""]),
)
_IDS = st.one_of(
    st.builds(global_id, st.sampled_from(NODE_TYPES), _KEYS),
    st.builds(global_id, st.just("Account"), st.sampled_from([HOME, ELSEWHERE, uuid.UUID(int=0)])),
    st.builds(global_id, st.just("Account"), st.text(max_size=10)),
    HOSTILE_TEXT,
)
_DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**6, max_value=10**7).map(str),
    st.integers(min_value=0, max_value=10**6).map(str),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "1E5", "0.001", "-0", "9" * 40, "12,50", "0x10", ""]),
    HOSTILE_TEXT,
)
_DATES = st.one_of(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)).map(date.isoformat),
    st.dates().map(date.isoformat),
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-29", "2026-13-01", "2026-1-1", "20260301", "10000-01-01"]),
    HOSTILE_TEXT,
)
_OFFSETS = st.sampled_from([timezone.utc, timezone(timedelta(hours=9)), timezone(timedelta(hours=-14))])
_DATETIMES = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=_OFFSETS).map(
        datetime.isoformat
    ),
    st.datetimes(timezones=_OFFSETS).map(datetime.isoformat),
    st.sampled_from(["2026-03-01T00:00:00", "2026-03-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]),
    HOSTILE_TEXT,
)
SCALAR_VALUES = {
    # hypothesis-graphql looks here before its own strategies, so ID and String are replaced too
    "ID": _IDS.map(nodes.String),
    "String": _TEXT.map(nodes.String),
    "Decimal": _DECIMALS.map(nodes.String),
    "Date": _DATES.map(nodes.String),
    "DateTime": _DATETIMES.map(nodes.String),
}
# Ints beyond 32 bits are refused by graphql-core itself; the interesting ones are at the edges
# of what the product accepts, and hypothesis-graphql's own integers cover the rest.
