"""The embedded issuer's key set: generate, rotate, retire (docs/operations.md, Signing keys).

The scenario drives the real ``portal keys`` commands against the file a running app
reads, and proves each step with real HTTP requests: tokens of both keys verify during
the overlap, the JWKS lists both, and after retirement the old key's tokens are refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws

from api.cli import main
from api.oauth.key_set import (
    RETIRE_MARGIN_SECONDS,
    KeyRing,
    SigningKeySet,
    load_key_set,
    read_key_set,
    rotated,
    write_key_set,
)
from api.oauth.keys import generate_signing_key
from api.services import Services
from api.settings import Settings
from tests.support.server import clean_environ

VIEWER = "{ viewer { subject } }"


def portal(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``portal …`` in this process; its exit code, stdout and stderr."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def kid_of(token: str) -> str:
    return str(jws.extract_compact(token.encode()).protected["kid"])


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The key file of the ``settings`` fixture, named to the CLI, which reads the environment."""
    path = tmp_path / "signing-key.json"
    monkeypatch.setenv("PORTAL_SIGNING_KEY_FILE", str(path))
    monkeypatch.setenv("PORTAL_TOKEN_TTL_SECONDS", str(Settings().token_ttl_seconds))
    return path


@pytest.fixture
def services(settings: Settings, key_file: Path, capsys: pytest.CaptureFixture[str]) -> Services:
    """An app whose keys come from a file made by ``portal keys generate``; its ring looks
    at the file on every use (interval 0) so the test need not wait for a reload."""
    assert settings.signing_key_file == key_file
    code, out, err = portal(capsys, "keys", "generate")
    assert code == 0, err
    assert "\"d\"" not in out and "private" not in out, "no key material on stdout"
    ring = KeyRing(read_key_set(key_file), key_file, interval=0)
    return Services.build(settings, ring)


async def test_tokens_of_both_keys_verify_during_the_overlap_and_old_ones_fail_after_retirement(
    services: Services, key_file: Path, gql: Any, client: Any, token_for: Any, account: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first_kid = read_key_set(key_file).active.kid
    old_token = await token_for("viewer", "billing:read")
    assert kid_of(old_token) == first_kid

    code, out, err = portal(capsys, "keys", "rotate")
    assert code == 0, err
    rotation = json.loads(out)
    new_kid = rotation["keys"][0]["kid"]
    assert [(key["kid"], key["status"]) for key in rotation["keys"]] == [(new_kid, "active"), (first_kid, "retiring")]
    new_token = await token_for("viewer", "billing:read")
    assert kid_of(new_token) == new_kid != first_kid, "new tokens are signed with the new key"

    jwks = (await client.get("/oauth/jwks")).json()
    assert [key["kid"] for key in jwks["keys"]] == [new_kid, first_kid]
    assert all("d" not in key and "status" not in key for key in jwks["keys"]), "public parts only"
    for token in (old_token, new_token):
        assert (await gql(VIEWER, token))["data"]["viewer"]["subject"] == "viewer"

    code, _, err = portal(capsys, "keys", "retire")
    assert code == 1
    assert f"key {first_kid} may still have signed unexpired tokens" in err and "--force" in err
    assert read_key_set(key_file).kids == [new_kid, first_kid], "a refused retirement changes nothing"

    retiring = next(key for key in rotation["keys"] if key["kid"] == first_kid)
    retire_after = datetime.fromisoformat(retiring["retire_after"])
    rotated_at = datetime.fromisoformat(rotation["keys"][0]["created"])
    expected = rotated_at + timedelta(seconds=services.settings.token_ttl_seconds + RETIRE_MARGIN_SECONDS)
    assert retire_after == expected
    code, _, err = portal(capsys, "keys", "retire", "--now", (retire_after - timedelta(seconds=1)).isoformat())
    assert code == 1, "still a second early"

    code, out, err = portal(capsys, "keys", "retire", "--now", (retire_after + timedelta(seconds=1)).isoformat())
    assert code == 0, err
    assert json.loads(out)["retired"] == [first_kid]

    assert (await gql.post(VIEWER, old_token)).status_code == 401
    assert (await gql(VIEWER, new_token))["data"]["viewer"]["subject"] == "viewer"
    assert [key["kid"] for key in (await client.get("/oauth/jwks")).json()["keys"]] == [new_kid]
    code, out, _ = portal(capsys, "keys", "list")
    assert [json.loads(line)["kid"] for line in out.splitlines()] == [new_kid]


async def test_retire_with_force_ends_the_overlap_at_once(
    services: Services, key_file: Path, gql: Any, token_for: Any, account: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    old_token = await token_for("viewer", "billing:read")
    assert portal(capsys, "keys", "rotate")[0] == 0
    code, out, err = portal(capsys, "keys", "retire", "--force")
    assert code == 0, err
    assert json.loads(out)["retired"] == [kid_of(old_token)]
    assert (await gql.post(VIEWER, old_token)).status_code == 401


def test_generate_refuses_to_overwrite_a_key_set_unless_forced(key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert portal(capsys, "keys", "generate")[0] == 0
    before = read_key_set(key_file).kids
    code, _, err = portal(capsys, "keys", "generate")
    assert code == 1 and "already exists" in err
    assert read_key_set(key_file).kids == before
    assert portal(capsys, "keys", "generate", "--force")[0] == 0
    assert read_key_set(key_file).kids != before
    assert key_file.stat().st_mode & 0o077 == 0, "the key file stays private"


def test_rotate_without_a_key_set_names_the_setting(key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = portal(capsys, "keys", "rotate")
    assert code == 2 and "PORTAL_SIGNING_KEY_FILE" in err and "portal keys generate" in err
    assert not key_file.exists()


def test_a_file_holding_one_private_jwk_is_a_set_of_one_and_can_be_rotated(
    key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = generate_signing_key()
    key_file.write_text(json.dumps(old.key.as_dict(private=True)))
    assert read_key_set(key_file).active.kid == old.kid
    code, out, _ = portal(capsys, "keys", "list")
    assert json.loads(out)["status"] == "active"
    assert portal(capsys, "keys", "rotate")[0] == 0
    keys = read_key_set(key_file)
    assert keys.kids[1] == old.kid and keys.active.kid != old.kid


def test_a_set_must_have_exactly_one_active_key() -> None:
    one, two = generate_signing_key(), generate_signing_key()
    members = [dict(key.key.as_dict(private=True), status="active") for key in (one, two)]
    with pytest.raises(ValueError, match="exactly one key must be active"):
        SigningKeySet.parse(json.dumps({"keys": members}))


def test_a_running_process_reloads_on_an_unknown_kid_at_most_once_a_second(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    ring_now = [0.0]
    start = load_key_set(path, create=True)
    ring = KeyRing(start, path, interval=3600, clock=lambda: ring_now[0])
    newer = rotated(start, datetime.now().astimezone(), 900)
    write_key_set(path, newer)
    assert ring.active.kid == start.active.kid, "no look at the file before the interval"

    ring_now[0] = 0.5
    assert newer.active.kid not in {key.kid for key in ring.verification_keys(newer.active.kid).keys}
    ring_now[0] = 1.5
    assert newer.active.kid in {key.kid for key in ring.verification_keys(newer.active.kid).keys}
    assert ring.active.kid == newer.active.kid, "and signs with the new key from then on"


_LOAD = """
import os, sys, time
from api.oauth.keys import load_signing_key
from api.settings import Settings
settings = Settings.from_env()
while time.time() < float(sys.argv[1]):
    pass
print(load_signing_key(settings).kid)
"""


@pytest.mark.parametrize("attempt", range(4))
def test_two_processes_starting_at_once_end_with_one_key(tmp_path: Path, attempt: int) -> None:
    path = tmp_path / "var" / "signing-key.json"
    env = clean_environ(PORTAL_SIGNING_KEY_FILE=str(path), PORTAL_ENV="development")
    start_at = str(time.time() + 1.5)  # both have imported everything by then and race for the file
    processes = [
        subprocess.Popen([sys.executable, "-c", _LOAD, start_at], env=env, cwd=Path(__file__).parents[3],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [process.communicate(timeout=60) for process in processes]
    assert all(process.returncode == 0 for process in processes), results
    kids = {out.strip() for out, _ in results}
    assert len(kids) == 1, f"two processes made two keys: {kids}"
    assert read_key_set(path).kids == list(kids)
    assert path.stat().st_mode & 0o077 == 0
    assert [name for name in os.listdir(path.parent) if name.endswith(".tmp")] == [], "no temporary file left"
