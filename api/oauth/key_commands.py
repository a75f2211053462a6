"""``portal keys generate | rotate | retire | list``: the embedded issuer's key set.

Each command prints JSON on stdout (kid, algorithm, status, instants; never key
material) and changes the file atomically under its lock (see ``api.oauth.key_set``).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from api.oauth.key_set import (
    KeySetRefused,
    SigningKeySet,
    locked,
    new_key_set,
    read_key_set,
    retired,
    rotated,
    write_key_set,
)
from api.settings import Settings, SettingsError


def add_key_commands(sub: Any) -> None:
    keys = sub.add_parser("keys", help="the embedded issuer's signing keys").add_subparsers(dest="action", required=True)
    generate = keys.add_parser("generate", help="write a new key set to PORTAL_SIGNING_KEY_FILE (production's first step)")
    generate.add_argument("--force", action="store_true", help="replace an existing key set (ends every token it signed)")
    generate.set_defaults(handler=cmd_keys_generate)
    rotate = keys.add_parser("rotate", help="add a new active key; the active one retires once its tokens expired")
    rotate.set_defaults(handler=cmd_keys_rotate)
    retire = keys.add_parser("retire", help="remove the retiring keys whose tokens have all expired")
    retire.add_argument("--force", action="store_true", help="remove every retiring key now (ends the tokens they signed)")
    retire.set_defaults(handler=cmd_keys_retire)
    keys.add_parser("list", help="the keys, one JSON object per line (kid, alg, status, created)").set_defaults(
        handler=cmd_keys_list
    )
    for command in (generate, rotate, retire):  # the instant, for tests: hidden
        command.add_argument("--now", type=_instant, default=None, help=argparse.SUPPRESS)


def cmd_keys_generate(settings: Settings, args: argparse.Namespace) -> None:
    path = settings.signing_key_file
    with locked(path):
        if path.exists() and not args.force:
            raise KeySetRefused(f"{path} already exists; rotate it with 'portal keys rotate' (or replace it with --force)")
        keys = new_key_set(args.now or _now())
        write_key_set(path, keys)
    print(json.dumps({"file": str(path), "keys": [entry.summary() for entry in keys.entries]}))


def cmd_keys_rotate(settings: Settings, args: argparse.Namespace) -> None:
    path = settings.signing_key_file
    with locked(path):
        keys = rotated(_existing(settings), args.now or _now(), settings.token_ttl_seconds)
        write_key_set(path, keys)
    print(json.dumps({"file": str(path), "keys": [entry.summary() for entry in keys.entries]}))


def cmd_keys_retire(settings: Settings, args: argparse.Namespace) -> None:
    path = settings.signing_key_file
    with locked(path):
        keys, removed = retired(_existing(settings), args.now or _now(), force=args.force)
        if removed:
            write_key_set(path, keys)
    print(json.dumps({"file": str(path), "retired": [entry.key.kid for entry in removed],
                      "keys": [entry.summary() for entry in keys.entries]}))


def cmd_keys_list(settings: Settings, args: argparse.Namespace) -> None:
    for entry in _existing(settings).entries:
        print(json.dumps(entry.summary()))


def _existing(settings: Settings) -> SigningKeySet:
    try:
        return read_key_set(settings.signing_key_file)
    except FileNotFoundError:
        raise SettingsError(
            "PORTAL_SIGNING_KEY_FILE", f"{settings.signing_key_file} does not exist; create it with 'portal keys generate'"
        ) from None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
