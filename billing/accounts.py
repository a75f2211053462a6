"""Use cases for accounts and their members (operator tasks: CLI and demo)."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from billing.access.caller import ACCOUNT_READ_SCOPES, Caller
from billing.access.rules import readable
from billing.errors import BusinessError, ErrorCode
from billing.rules.email_address import is_email
from billing.rules.text import checked_text
from models.accounts import Account, Member, Role

MAX_NAME = 200
MAX_SUBJECT = 255


def check_subject(value: str, field: str) -> str:
    """A subject is an identifier, compared exactly with a token's ``sub``: trimmed, never
    normalised, and printable (as the token validation demands)."""
    value = value.strip()
    if not value:
        raise BusinessError.single(ErrorCode.REQUIRED, f"{field} must not be empty", field)
    if len(value) > MAX_SUBJECT:
        raise BusinessError.single(ErrorCode.TOO_LONG, f"{field} must be at most {MAX_SUBJECT} characters", field)
    if not value.isprintable():
        raise BusinessError.single(ErrorCode.INVALID, f"{field} must be printable characters only", field)
    return value


async def accounts_by_id(caller: Caller, ids: list[uuid.UUID]) -> dict[uuid.UUID, Account]:
    """The accounts among ``ids`` the caller may read: staff any, a customer (with an
    account-reading scope) their own."""
    query = readable(Account.filter(id__in=ids), caller, scopes=ACCOUNT_READ_SCOPES, account_field="id")
    return {row.id: row for row in await query}


def _check_email(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not is_email(value):
        raise BusinessError.single(ErrorCode.INVALID, f"{field} is not a valid email address", field)
    return value


async def create_account(
    name: str, owner_subject: str, account_id: uuid.UUID | None = None, *, owner_email: str | None = None
) -> Account:
    """A new account with its first member, the owner, in one transaction. The
    owner's email (optional) is where the service writes about the account."""
    name = checked_text(name, "name", MAX_NAME)
    owner_subject = check_subject(owner_subject, "owner")
    owner_email = _check_email(owner_email, "ownerEmail")
    async with in_transaction():
        account = await Account.create(id=account_id or uuid.uuid4(), name=name)
        await Member.create(account=account, subject=owner_subject, role=Role.OWNER, email=owner_email)
    return account


async def add_member(account_id: uuid.UUID, subject: str, role: Role, *, email: str | None = None) -> Member:
    """Add ``subject`` to the account, or change the role (and, when given, the
    email) of an existing member."""
    subject = check_subject(subject, "subject")
    email = _check_email(email, "email")
    async with in_transaction():
        if not await Account.exists(id=account_id):
            raise BusinessError.single(ErrorCode.NOT_FOUND, f"no account {account_id}", "account")
        member, created = await Member.get_or_create(
            account_id=account_id, subject=subject, defaults={"role": role, "email": email}
        )
        if not created and (member.role != role or (email is not None and member.email != email)):
            member.role = role
            member.email = email if email is not None else member.email
            await member.save(update_fields=["role", "email"])
    return member
