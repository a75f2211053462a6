"""The access rules, written once: who may act, and which rows a caller may read."""

from __future__ import annotations

import uuid

import pytest

from billing.access.caller import INVOICE_READ_SCOPES, Caller
from billing.access.rules import Forbidden, readable, require_staff, require_writer
from billing.accounts import create_account
from models.accounts import Account, Role

STAFF = Caller("staff-1", frozenset({"admin"}), "console")


def member(account: Account, role: Role, *scopes: str) -> Caller:
    return Caller("someone", frozenset(scopes), "console", account.id, role)


def test_only_staff_pass_the_staff_rule() -> None:
    require_staff(STAFF, "run billing")
    owner = Caller("owner", frozenset({"billing:write"}), "console", uuid.uuid4(), Role.OWNER)
    with pytest.raises(Forbidden, match="Only staff run billing."):
        require_staff(owner, "run billing")


@pytest.mark.parametrize(
    ("role", "scopes", "allowed"),
    [
        (Role.OWNER, {"billing:write"}, True),
        (Role.BILLING_ADMIN, {"billing:write"}, True),
        (Role.VIEWER, {"billing:write"}, False),  # the role decides
        (Role.OWNER, {"billing:read"}, False),  # and the scope too
    ],
)
def test_writers_need_a_writing_role_and_the_write_scope(role: Role, scopes: set[str], allowed: bool) -> None:
    account_id = uuid.uuid4()
    caller = Caller("someone", frozenset(scopes), "console", account_id, role)
    if allowed:
        assert require_writer(caller) == account_id
    else:
        with pytest.raises(Forbidden):
            require_writer(caller)
    with pytest.raises(Forbidden):
        require_writer(STAFF)  # staff act for no account


async def test_customers_read_their_own_account_and_staff_read_any(account: Account, other_account: Account) -> None:
    everything = Account.all().order_by("name")
    reader = member(account, Role.VIEWER, "billing:read")
    assert [a.name for a in await readable(everything, reader, account_field="id")] == ["Acme IoT K.K."]
    assert [a.name for a in await readable(everything, STAFF, account_field="id")] == ["Acme IoT K.K.", "Other Corp"]
    named = readable(everything, STAFF, account_id=other_account.id, account_field="id")
    assert [a.name for a in await named] == ["Other Corp"]


async def test_a_foreign_account_a_missing_scope_or_no_account_reads_nothing(
    account: Account, other_account: Account
) -> None:
    everything = Account.all()
    reader = member(account, Role.VIEWER, "billing:read")
    assert await readable(everything, reader, account_id=other_account.id, account_field="id") == []
    no_scope = member(account, Role.OWNER, "something:else")
    assert await readable(everything, no_scope, scopes=INVOICE_READ_SCOPES, account_field="id") == []
    assert await readable(everything, Caller("client", frozenset({"billing:read"}), "x"), account_field="id") == []
    await create_account("Third", "third-owner")
    assert len(await readable(everything, reader, scopes=INVOICE_READ_SCOPES, account_field="id")) == 1
