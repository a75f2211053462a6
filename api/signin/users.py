"""Local users of the sign-in page (operator tasks: ``portal users create``, the demo).

A user's ``subject`` is the ``sub`` of the tokens they receive, compared exactly with
account memberships, so it follows the same rules as a member's subject
(``billing.accounts``). Only an argon2id hash of the password is kept.

This lives in ``api/`` rather than ``billing/``: it is identity, not billing, and
the billing layers are closed (see ARCHITECTURE.md and pyproject's contracts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from api.signin.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, Passwords
from billing.accounts import check_subject  # the one rule for subjects
from billing.errors import BusinessError, ErrorCode
from billing.rules.email_address import is_email
from models.oauth import OAuthClient
from models.users import User


@dataclass(frozen=True)
class NewUser:
    subject: str
    email: str
    created_at: datetime

    def as_json(self) -> dict[str, str]:
        return {"subject": self.subject, "email": self.email, "created_at": self.created_at.isoformat()}


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BusinessError.single(
            ErrorCode.INVALID, f"password must be at least {MIN_PASSWORD_LENGTH} characters", "password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BusinessError.single(ErrorCode.TOO_LONG, f"password must be at most {MAX_PASSWORD_LENGTH} characters", "password")
    return password


async def create_user(subject: str, email: str, password: str, passwords: Passwords) -> NewUser:
    """A new local user; ``ALREADY_EXISTS`` if the subject is taken."""
    subject = check_subject(subject, "subject")
    email = email.strip()
    if not is_email(email):
        raise BusinessError.single(ErrorCode.INVALID, "email is not a valid email address", "email")
    check_password(password)
    if await OAuthClient.exists(client_id=subject):
        raise BusinessError.single(ErrorCode.INVALID, "subject must not be the id of an OAuth client", "subject")
    if await User.exists(subject=subject):
        raise BusinessError.single(ErrorCode.ALREADY_EXISTS, f"a user {subject!r} already exists", "subject")
    now = datetime.now(UTC)
    try:
        user = await User.create(
            subject=subject, email=email, password_hash=await passwords.hash(password), password_changed_at=now
        )
    except IntegrityError:
        raise BusinessError.single(ErrorCode.ALREADY_EXISTS, f"a user {subject!r} already exists", "subject") from None
    return NewUser(user.subject, user.email, user.created_at)


async def find_user_to_sign_in(username: str) -> User | None:
    """The active user named ``username``: by subject, else by email when exactly
    one active user has that email (compared without case)."""
    username = username.strip()
    if not username or len(username) > 255:
        return None
    user = await User.get_or_none(subject=username, disabled_at=None)
    if user is not None or "@" not in username:
        return user
    matches = await User.filter(email__iexact=username, disabled_at=None).limit(2)
    return matches[0] if len(matches) == 1 else None
