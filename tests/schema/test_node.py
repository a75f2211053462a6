"""``node(id:)``: an id whose key is not one this API makes answers null, like a
missing object, whoever asks."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.relay import to_base64

NODE = "query N($id: ID!) { node(id: $id) { id } }"


@pytest.mark.parametrize(
    ("type_name", "key"),
    [
        ("Invoice", "007"),  # a leading zero
        ("Invoice", "\u00b2"),  # a digit to str.isdigit, not to int()
        ("Subscription", "-1"),
        ("OrderLine", "99999999999999999999"),  # beyond a 64-bit key
        ("OrderLine", str(2**31)),  # beyond the 32-bit integer keys (PostgreSQL refuses it in a query)
        ("Invoice", str(2**63 - 1)),
        ("Subscription", str(2**31)),
        ("InvoiceProfile", str(2**31)),
        ("InvoiceApplication", str(2**31)),
        ("InvoiceProfile", "1.0"),
        ("InvoiceApplication", " 1"),
        ("Account", "not-a-uuid"),
        ("NoSuchType", "1"),
    ],
)
async def test_a_malformed_key_answers_null(gql: Any, token_for: Any, account: Any, type_name: str, key: str) -> None:
    body = await gql(NODE, await token_for("staff-1", "admin"), {"id": to_base64(type_name, key)})
    assert body == {"data": {"node": None}}


async def test_a_text_that_is_no_global_id_answers_null(gql: Any, token_for: Any, account: Any) -> None:
    assert await gql(NODE, await token_for("staff-1", "admin"), {"id": "not base64 at all"}) == {"data": {"node": None}}
