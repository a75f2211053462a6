"""The reusable keyset connection: cursors, multi-column keys, limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from graphql import GraphQLError

from billing.accounts import create_account
from models.invoice_profile import InvoiceProfile, ProfileChange
from schema.pagination import decode_cursor, encode_cursor, keyset_connection


def test_cursors_round_trip_typed_values():
    values = [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), 42, "x"]
    assert decode_cursor(encode_cursor(values), 3) == values


@pytest.mark.parametrize("cursor", ["%%%", encode_cursor([1]), "bm90IGpzb24"])
def test_a_foreign_cursor_is_a_bad_input_error(cursor):
    with pytest.raises(GraphQLError) as caught:
        decode_cursor(cursor, 2)
    assert caught.value.extensions == {"code": "BAD_USER_INPUT"}


async def test_pages_by_a_descending_two_column_key_with_ties(db, backend):
    if backend == "postgres":
        pytest.skip("query building; sqlite is enough")
    account = await create_account("Acme", "owner")
    profile = await InvoiceProfile.create(
        account_id=account.id, company_name="Acme", contact_name="A", billing_email="a@b.example",
        phone="0312345678", postal_code="100-0001", country="JP", city="C", address_lines=["1"],
        delivery_method="EMAIL", language="ja",
    )
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(7):  # timestamps tie in pairs: the id breaks ties
        await ProfileChange.create(
            profile_id=profile.id, version=i + 2, changed_by="o", changed_at=base + timedelta(minutes=i // 2),
            field="city", old_json=json.dumps(None), new_json=json.dumps(str(i)),
        )
    seen, after = [], None
    while True:
        page = await keyset_connection(
            ProfileChange.filter(profile_id=profile.id), order_by=("-changed_at", "-id"), first=3, after=after,
            to_node=lambda row: row.version,
        )
        seen += [edge.node for edge in page.edges]
        if not page.page_info.has_next_page:
            break
        after = page.page_info.end_cursor
    assert seen == [8, 7, 6, 5, 4, 3, 2]
    empty = await keyset_connection(ProfileChange.filter(id=-1), order_by=("id",), first=0, after=None, to_node=str)
    assert empty.edges == [] and empty.page_info.end_cursor is None
