"""The embedded issuer's key set: one active signing key, older keys retiring.

``PORTAL_SIGNING_KEY_FILE`` holds a JWK Set (``{"keys": [...]}``) of *private* keys,
readable only by its owner. Each key carries three members of this service:

- ``"status"``: ``"active"`` (exactly one: it signs every new token) or ``"retiring"``
  (no longer signs; still published in the JWKS and accepted, so the tokens it signed
  keep working until they expire);
- ``"created"``: when the key was made (RFC 3339, UTC);
- ``"retire_after"`` (retiring keys): the rotation instant plus the access-token
  lifetime (``PORTAL_TOKEN_TTL_SECONDS``) plus ``RETIRE_MARGIN_SECONDS``; ``portal keys
  retire`` removes the key only after it.

A file holding a single private JWK (the earlier format) is read as a set of one
active key. The members above are never published: the JWKS carries the public parts
of the standard members only.

Every change of the file is atomic (a private temporary file in the same directory,
then ``os.replace``) and made under an exclusive ``flock`` on ``<file>.lock``, so two
processes creating the first key at once end with one key (the second reads the
first's file), and two concurrent rotations never lose one.

A running process reads the file through a ``KeyRing``: it looks at the file (a
``stat``) at most every ``RELOAD_INTERVAL_SECONDS``, and at once (at most every
``UNKNOWN_KID_INTERVAL_SECONDS``) when a token names a key it does not know, and
re-reads it when it changed. After ``portal keys rotate`` every running process signs
with the new key within ``RELOAD_INTERVAL_SECONDS`` (a restart at the latest).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, KeySet, RSAKey

from api.oauth.keys import SigningKey, generate_signing_key
from api.settings import Settings, SettingsError

ACTIVE, RETIRING = "active", "retiring"
_OWN_MEMBERS = ("status", "created", "retire_after")
RELOAD_INTERVAL_SECONDS = 10.0
UNKNOWN_KID_INTERVAL_SECONDS = 1.0
RETIRE_MARGIN_SECONDS = 120
"""Beyond the token lifetime before a retiring key may go: the validator's 60 s clock
leeway, the processes' ``RELOAD_INTERVAL_SECONDS`` to stop signing with it, and room."""

VARIABLE = "PORTAL_SIGNING_KEY_FILE"
logger = logging.getLogger("portal.auth")


class KeySetRefused(ValueError):
    """A key-set command cannot do what was asked (now); the message says why."""


@dataclass(frozen=True)
class KeyEntry:
    key: SigningKey
    status: str
    created: datetime | None = None
    retire_after: datetime | None = None

    def summary(self) -> dict[str, Any]:
        """What ``portal keys`` prints: never key material."""
        return {
            "kid": self.key.kid,
            "alg": self.key.alg,
            "status": self.status,
            "created": _instant(self.created),
            "retire_after": _instant(self.retire_after),
        }


@dataclass(frozen=True)
class SigningKeySet:
    entries: tuple[KeyEntry, ...]

    def __post_init__(self) -> None:
        if [entry.status for entry in self.entries].count(ACTIVE) != 1:
            raise ValueError("exactly one key must be active")
        kids = [entry.key.kid for entry in self.entries]
        if len(set(kids)) != len(kids):
            raise ValueError("two keys share a kid")

    @property
    def active(self) -> SigningKey:
        return next(entry.key for entry in self.entries if entry.status == ACTIVE)

    @property
    def kids(self) -> list[str]:
        return [entry.key.kid for entry in self.entries]

    @property
    def public_jwks(self) -> dict[str, Any]:
        """The JWKS served at ``/oauth/jwks``: the public parts of every key, active first."""
        return {"keys": [entry.key.public_jwks["keys"][0] for entry in self.entries]}

    def to_json(self) -> str:
        """The file's text: private keys with their status members."""
        members = []
        for entry in self.entries:
            data = entry.key.key.as_dict(private=True)
            data["status"], data["created"] = entry.status, _instant(entry.created)
            if entry.retire_after is not None:
                data["retire_after"] = _instant(entry.retire_after)
            members.append(data)
        return json.dumps({"keys": members}, indent=2)

    @classmethod
    def parse(cls, text: str) -> SigningKeySet:
        """A JWK Set of private keys, or one private JWK (a set of one active key)."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("neither a JWK nor a JWK Set")
        members = data["keys"] if "keys" in data else [data]
        if not isinstance(members, list) or not members:
            raise ValueError("the key set is empty")
        single = "keys" not in data
        return cls(tuple(_entry(member, single) for member in members))


def new_key_set(now: datetime) -> SigningKeySet:
    return SigningKeySet((KeyEntry(generate_signing_key(), ACTIVE, now),))


def rotated(keys: SigningKeySet, now: datetime, token_ttl_seconds: int) -> SigningKeySet:
    """A new active key first; the active one retiring until its tokens have expired."""
    retire_after = now + timedelta(seconds=token_ttl_seconds + RETIRE_MARGIN_SECONDS)
    older = tuple(
        replace(entry, status=RETIRING, retire_after=retire_after) if entry.status == ACTIVE else entry
        for entry in keys.entries
    )
    return SigningKeySet((KeyEntry(generate_signing_key(), ACTIVE, now), *older))


def retired(keys: SigningKeySet, now: datetime, force: bool = False) -> tuple[SigningKeySet, list[KeyEntry]]:
    """Drop the retiring keys whose time has come (all retiring keys with ``force``);
    refuses while a retiring key still covers unexpired tokens, unless ``force``."""
    retiring = [entry for entry in keys.entries if entry.status == RETIRING]
    waiting = [entry for entry in retiring if entry.retire_after is not None and entry.retire_after > now]
    if waiting and not force:
        first = min(waiting, key=lambda entry: entry.retire_after or now)
        raise KeySetRefused(
            f"key {first.key.kid} may still have signed unexpired tokens; it may be retired after "
            f"{_instant(first.retire_after)} (the token lifetime plus {RETIRE_MARGIN_SECONDS} s after the "
            "rotation). Use --force to retire it now and end those tokens."
        )
    return SigningKeySet(tuple(entry for entry in keys.entries if entry.status == ACTIVE)), retiring


# --- the file -------------------------------------------------------------------------


def read_key_set(path: Path) -> SigningKeySet:
    try:
        return SigningKeySet.parse(path.read_text())
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SettingsError(VARIABLE, f"{path} is not a private JWK Set or JWK ({exc})") from None


def write_key_set(path: Path, keys: SigningKeySet) -> None:
    """Replace the file atomically with a private (0600) one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(keys.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``<path>.lock`` for a read-modify-write of the key set."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def load_key_set(path: Path, create: bool, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> SigningKeySet:
    """Read the key set; when it is missing, create it if ``create`` (once, whoever races)."""
    try:
        return read_key_set(path)
    except FileNotFoundError:
        if not create:
            raise SettingsError(VARIABLE, f"{path} does not exist; production will not invent a key") from None
    with locked(path):
        if path.exists():  # another process created it while this one waited
            return read_key_set(path)
        keys = new_key_set(now())
        write_key_set(path, keys)
        return keys


# --- a running process's view ---------------------------------------------------------


class KeyRing:
    """The key set a process signs and verifies with, following its file (see the module)."""

    def __init__(
        self,
        keys: SigningKeySet,
        path: Path | None = None,
        *,
        interval: float = RELOAD_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._path, self._interval, self._clock = path, interval, clock
        self._lock = threading.Lock()  # the signer runs in worker threads
        self._install(keys)
        self._seen = _identity(path) if path else None
        self._checked = self._forced = clock()

    @classmethod
    def fixed(cls, key: SigningKey | SigningKeySet) -> KeyRing:
        """Keys that no file changes (tests, tools)."""
        keys = key if isinstance(key, SigningKeySet) else SigningKeySet((KeyEntry(key, ACTIVE),))
        return cls(keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        path = settings.signing_key_file
        return cls(load_key_set(path, create=not settings.is_production), path)

    @property
    def active(self) -> SigningKey:
        return self.current().active

    def current(self) -> SigningKeySet:
        if self._path is not None and self._clock() - self._checked >= self._interval:
            self._check()
        return self._keys

    def verification_keys(self, kid: str | None) -> KeySet:
        """The public keys, looked for again in the file if none carries ``kid``."""
        self.current()
        if kid not in self._kids and self._path is not None and self._clock() - self._forced >= UNKNOWN_KID_INTERVAL_SECONDS:
            self._forced = self._clock()
            self._check()
        return self._public

    def _install(self, keys: SigningKeySet) -> None:
        self._keys, self._kids = keys, set(keys.kids)
        self._public = KeySet.import_key_set(keys.public_jwks)

    def _check(self) -> None:
        assert self._path is not None
        with self._lock:
            self._checked = self._clock()
            seen = _identity(self._path)
            if seen == self._seen:
                return
            try:
                keys = read_key_set(self._path)
            except (OSError, SettingsError) as exc:
                logger.warning("signing key set not reloaded, keeping the keys in use: %s", exc)
                return
            self._seen = seen
            if keys.kids != self._keys.kids or keys.active.kid != self._keys.active.kid:
                logger.info("signing key set reloaded: active %s, keys %s", keys.active.kid, keys.kids)
            self._install(keys)


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size


def _entry(member: Any, single: bool) -> KeyEntry:
    if not isinstance(member, dict):
        raise ValueError("a key is not a JSON object")
    data = {name: value for name, value in member.items() if name not in _OWN_MEMBERS}
    key = RSAKey.import_key(data) if data.get("kty") == "RSA" else ECKey.import_key(data)
    if not key.is_private:
        raise ValueError("a key is public; private keys are needed")
    if not key.kid:
        key = type(key).import_key(data, parameters={"kid": key.thumbprint()})
    status = ACTIVE if single else member.get("status")
    if status not in (ACTIVE, RETIRING):
        raise ValueError(f"key {key.kid}: status must be {ACTIVE!r} or {RETIRING!r}")
    return KeyEntry(SigningKey(key), status, _parse_instant(member.get("created")), _parse_instant(member.get("retire_after")))


def _instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _parse_instant(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
