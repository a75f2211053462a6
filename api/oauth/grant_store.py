"""Authorization codes and refresh tokens: what the grants of ``api.oauth.grants`` keep.

Neither is stored in the clear: a row holds the SHA-256 of the code or token, so
a copy of the database redeems nothing. Both are single use, and using one is an
atomic update (``used_at`` is set only if it was still empty), so that two
concurrent redemptions cannot both succeed.

Every code starts a *family*: the refresh tokens issued from it, and from their
rotations, share one ``family`` id, derived from the code's hash; the access
tokens issued in the family carry it as the prefix of their ``jti``. So reusing a
code or a refresh token (a sign that it leaked, RFC 6749 4.1.2, RFC 9700 4.14.2)
revokes everything the family issued, access tokens included.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from models.oauth import AuthorizationCode, IssuedToken, RefreshToken
from models.users import User

_FAMILY_NAMESPACE = uuid.UUID("0d3f6a52-8c1e-4b8e-9d1a-6c2f5e7a9b10")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """A code or refresh token: 256 bits of randomness, URL-safe."""
    return secrets.token_urlsafe(32)


def family_of_code(code_hash: str) -> uuid.UUID:
    return uuid.uuid5(_FAMILY_NAMESPACE, code_hash)


def jti_prefix(family: uuid.UUID) -> str:
    """The start of the ``jti`` of every access token issued in ``family``."""
    return family.hex + "."


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CodeRecord:
    code_hash: str
    client_id: str
    subject: str
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str

    @property
    def family(self) -> uuid.UUID:
        return family_of_code(self.code_hash)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class RefreshRecord:
    token_hash: str
    family: uuid.UUID
    client_id: str
    subject: str
    scope: str
    family_started_at: datetime

    def check_client(self, client: object) -> bool:
        return getattr(client, "client_id", None) == self.client_id

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class Subject:
    """The signed-in user an authorization code is issued to."""

    subject: str

    def get_user_id(self) -> str:
        return self.subject


@dataclass(frozen=True)
class SignedInUser:
    """The resource owner of a code or refresh token, as authlib sees it."""

    subject: str
    family: uuid.UUID

    def get_user_id(self) -> str:
        return self.subject


async def save_code(
    code: str, client_id: str, subject: str, redirect_uri: str, scope: str, challenge: str, method: str, ttl: int
) -> None:
    await AuthorizationCode.create(
        code_hash=digest(code), client_id=client_id, subject=subject, redirect_uri=redirect_uri, scope=scope,
        code_challenge=challenge, code_challenge_method=method, expires_at=_now() + timedelta(seconds=ttl),
    )


async def find_code(code: str, client_id: str) -> CodeRecord | None:
    """The unused, unexpired code issued to ``client_id``. A code that was already
    used revokes its family (it was replayed) and is not returned."""
    row = await AuthorizationCode.get_or_none(code_hash=digest(code), client_id=client_id)
    if row is None:
        return None
    if row.used_at is not None:
        await revoke_family(family_of_code(row.code_hash))
        return None
    if row.expires_at <= _now():
        return None
    return CodeRecord(
        row.code_hash, row.client_id, row.subject, row.redirect_uri, row.scope,
        row.code_challenge, row.code_challenge_method,
    )


async def use_code(code_hash: str) -> bool:
    """Mark the code used; False if another request used it first (then its family is revoked)."""
    used = await AuthorizationCode.filter(code_hash=code_hash, used_at=None).update(used_at=_now())
    if not used:
        await revoke_family(family_of_code(code_hash))
    return bool(used)


async def find_refresh_token(token: str, client_id: str) -> RefreshRecord | None:
    """The usable refresh token ``token`` of ``client_id``. One already used revokes
    its family (RFC 9700 4.14.2); one revoked, expired (idle) or of an expired
    family is not returned."""
    row = await RefreshToken.get_or_none(token_hash=digest(token), client_id=client_id)
    if row is None or row.revoked_at is not None:
        return None
    if row.used_at is not None:
        await revoke_family(row.family)
        return None
    if row.expires_at <= _now():
        return None
    return RefreshRecord(row.token_hash, row.family, row.client_id, row.subject, row.scope, row.family_started_at)


async def find_refresh_token_any_client(token: str) -> RefreshRecord | None:
    """For revocation: the token whoever it belongs to (the endpoint checks the client)."""
    row = await RefreshToken.get_or_none(token_hash=digest(token))
    if row is None:
        return None
    return RefreshRecord(row.token_hash, row.family, row.client_id, row.subject, row.scope, row.family_started_at)


async def use_refresh_token(token_hash: str) -> bool:
    """Mark the token used; False if it was used (or revoked) meanwhile: its family is then revoked."""
    used = await RefreshToken.filter(token_hash=token_hash, used_at=None, revoked_at=None).update(used_at=_now())
    if not used:
        row = await RefreshToken.get_or_none(token_hash=token_hash)
        if row is not None:
            await revoke_family(row.family)
    return bool(used)


async def save_refresh_token(
    token: str,
    family: uuid.UUID,
    client_id: str,
    subject: str,
    scope: str,
    family_started_at: datetime | None,
    idle_seconds: int,
    family_seconds: int,
) -> None:
    """A new token of ``family``: it expires after ``idle_seconds`` unused, and never
    after the family's ``family_seconds`` lifetime."""
    now = _now()
    started = family_started_at or now
    expires = min(now + timedelta(seconds=idle_seconds), started + timedelta(seconds=family_seconds))
    await RefreshToken.create(
        token_hash=digest(token), family=family, client_id=client_id, subject=subject, scope=scope,
        family_started_at=started, issued_at=now, expires_at=expires,
    )


async def revoke_family(family: uuid.UUID) -> None:
    """Revoke every refresh token and every access token the family issued."""
    now = _now()
    async with in_transaction():
        await RefreshToken.filter(family=family, revoked_at=None).update(revoked_at=now)
        await IssuedToken.filter(jti__startswith=jti_prefix(family), revoked_at=None).update(revoked_at=now)


async def find_user(subject: str) -> User | None:
    return await User.get_or_none(subject=subject, disabled_at=None)
