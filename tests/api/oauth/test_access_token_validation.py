"""Every way a bearer token can be wrong is refused with 401 and the reason."""

from __future__ import annotations

import time

import pytest
from joserfc.jwk import RSAKey

from tests.conftest import AUDIENCE, ISSUER
from tests.support import forge

VIEWER = "{ viewer { subject } }"


def _challenge(response) -> str:
    assert response.status_code == 401, response.text
    return response.headers["www-authenticate"]


async def test_valid_token_reads_viewer(gql, token_for, account):
    body = await gql(VIEWER, await token_for("owner", "billing:read"))
    assert body == {"data": {"viewer": {"subject": "owner"}}}


async def test_request_without_token_is_401_without_error_code(gql, account):
    response = await gql.post(VIEWER, None)
    assert _challenge(response) == 'Bearer realm="billing-portal"'
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_non_bearer_scheme_is_refused(gql, client, account):
    response = await client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": "Basic abc"})
    assert _challenge(response) == 'Bearer realm="billing-portal"'


def _bad(reason: str):
    return pytest.param(reason, id=reason.replace(" ", "_"))


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("malformed", "token is malformed"),
        ("alg_none", "signing algorithm is not allowed"),
        ("hs256_with_public_key", "signing algorithm is not allowed"),
        ("wrong_typ", "token type (typ) must be at+jwt"),
        ("missing_typ", "token type (typ) must be at+jwt"),
        ("wrong_issuer", "issuer is not trusted"),
        ("wrong_audience", "audience does not include this service"),
        ("expired", "claims are invalid"),
        ("not_yet_valid", "claims are invalid"),
        ("missing_sub", "claims are invalid"),
        ("missing_jti", "claims are invalid"),
        ("missing_client_id", "claims are invalid"),
        ("unknown_kid", "signing key is unknown"),
        ("bad_signature", "signature is invalid"),
        ("never_issued", "token has been revoked"),
    ],
)
async def test_bad_token_is_refused_with_reason(gql, signing_key, account, case, reason):
    now = int(time.time())
    good = forge.claims(ISSUER, AUDIENCE)
    tokens = {
        "malformed": lambda: "not.a.jwt",
        "alg_none": lambda: forge.unsigned(good),
        "hs256_with_public_key": lambda: forge.hmac_with_public_key(signing_key, good),
        "wrong_typ": lambda: forge.sign(signing_key, good, typ="JWT"),
        "missing_typ": lambda: forge.sign(signing_key, good, typ=forge.DROP),
        "wrong_issuer": lambda: forge.sign(signing_key, forge.claims("https://evil.test", AUDIENCE)),
        "wrong_audience": lambda: forge.sign(signing_key, forge.claims(ISSUER, "someone-else")),
        "expired": lambda: forge.sign(signing_key, forge.claims(ISSUER, AUDIENCE, iat=now - 900, exp=now - 61)),
        "not_yet_valid": lambda: forge.sign(signing_key, forge.claims(ISSUER, AUDIENCE, nbf=now + 61)),
        "missing_sub": lambda: forge.sign(signing_key, forge.claims(ISSUER, AUDIENCE, sub=forge.DROP)),
        "missing_jti": lambda: forge.sign(signing_key, forge.claims(ISSUER, AUDIENCE, jti=forge.DROP)),
        "missing_client_id": lambda: forge.sign(signing_key, forge.claims(ISSUER, AUDIENCE, client_id=forge.DROP)),
        "unknown_kid": lambda: forge.sign(RSAKey.generate_key(2048, private=True, auto_kid=True), good),
        "bad_signature": lambda: forge.sign(
            RSAKey.generate_key(2048, private=True, parameters={"kid": signing_key.kid}), good
        ),
        "never_issued": lambda: forge.sign(signing_key, good),
    }
    response = await gql.post(VIEWER, tokens[case]())
    challenge = _challenge(response)
    assert 'error="invalid_token"' in challenge
    assert reason in challenge


async def test_leeway_of_sixty_seconds_accepts_a_just_expired_token(gql, services, signing_key, account, token_for):
    # A token minted here is recorded; re-sign its claims with exp 30 s ago.
    from joserfc import jwt as _jwt

    minted = await token_for("owner", "billing:read")
    claims = dict(_jwt.decode(minted, services.signing_key.public_key_set).claims)
    claims["exp"] = int(time.time()) - 30
    body = await gql(VIEWER, forge.sign(signing_key, claims))
    assert body["data"]["viewer"]["subject"] == "owner"
