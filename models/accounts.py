"""Customer accounts and the people (OAuth subjects) who act on them."""

from __future__ import annotations

from enum import Enum
from typing import Any
from uuid import UUID

from tortoise import fields
from tortoise.models import Model


class Role(str, Enum):
    """What a member may do on an account."""

    OWNER = "OWNER"
    BILLING_ADMIN = "BILLING_ADMIN"
    VIEWER = "VIEWER"

    @property
    def can_write_billing(self) -> bool:
        return self in (Role.OWNER, Role.BILLING_ADMIN)


class Account(Model):
    """One customer organisation. Its id is a UUID so it cannot be guessed."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    members: fields.ReverseRelation[Member]

    class Meta:
        table = "accounts"


class Member(Model):
    """An OAuth subject with a role on an account."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="members", on_delete=fields.CASCADE
    )
    account_id: UUID
    subject = fields.CharField(max_length=255, db_index=True)
    role = fields.CharEnumField(Role, max_length=20)
    # Where the service writes to this person about the account (e.g. billing held
    # for want of a payment method); optional.
    email = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "members"
        unique_together = (("account", "subject"),)


_MEMBER_SQL: dict[tuple[str, bool, bool], str] = {}


def _member_sql(dialect: str, with_account: bool, with_token: bool) -> str:
    """The membership lookup in ``dialect``'s placeholders (``$n`` or ``?``)."""
    key = (dialect, with_account, with_token)
    sql = _MEMBER_SQL.get(key)
    if sql is None:
        numbers = iter(range(1, 4))

        def mark() -> str:
            return f"${next(numbers)}" if dialect == "postgres" else "?"

        # Marks in the order they appear in the text (``?`` is positional): token, subject, account.
        live = f"EXISTS (SELECT 1 FROM issued_tokens WHERE jti = {mark()} AND revoked_at IS NULL)" if with_token else "1"
        subject = mark()
        account = f" AND account_id = {mark()}" if with_account else ""
        sql = f"SELECT account_id, role, {live} AS live FROM members WHERE subject = {subject}{account} LIMIT 2"
        _MEMBER_SQL[key] = sql
    return sql


async def member_lookup(subject: str, account_id: UUID | None, token_id: str | None) -> list[tuple[UUID, Role, bool]]:
    """Up to two memberships of ``subject`` (in ``account_id`` when given), each with
    whether ``token_id`` is an issued token not revoked (true when no ``token_id``).

    Every request of a member runs it, so it is one statement written once per
    dialect rather than built by the ORM each time: building the query cost about
    as much CPU as sending it (``bench.graphql``, the viewer workload)."""
    db = Member._meta.db
    dialect = db.capabilities.dialect
    values: list[Any] = [] if token_id is None else [token_id]
    values.append(subject)
    if account_id is not None:
        values.append(account_id if dialect == "postgres" else str(account_id))
    _, rows = await db.execute_query(_member_sql(dialect, account_id is not None, token_id is not None), values)
    return [
        (row["account_id"] if isinstance(row["account_id"], UUID) else UUID(str(row["account_id"])), Role(row["role"]),
         bool(row["live"]))
        for row in rows
    ]
