"""A signed link names one document (its id and digest) for ten minutes; anything
else, altered, re-signed with another secret or expired, names nothing."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from billing.documents.links import (
    LINK_MAX_AGE_SECONDS,
    LINK_SALT,
    DocumentLink,
    DocumentLinks,
    LinkExpired,
    LinkRefused,
)

SECRET = "s" * 40
DIGEST = "ab" * 32


def signed_ago(seconds: int, payload: object, secret: str = SECRET) -> str:
    """A token signed with ``secret`` as if ``seconds`` ago (itsdangerous reads the clock through its signer)."""
    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    return URLSafeTimedSerializer(secret, salt=LINK_SALT, signer=Earlier).dumps(payload)


def test_a_link_names_its_document_and_digest() -> None:
    links = DocumentLinks(SECRET, "https://portal.example.com/")
    url = links.url(7, DIGEST)
    assert url.startswith("https://portal.example.com/documents/")
    assert links.read(url.rsplit("/", 1)[1]) == DocumentLink(7, DIGEST)


def test_links_last_ten_minutes() -> None:
    links = DocumentLinks(SECRET, "https://portal.test")
    assert LINK_MAX_AGE_SECONDS == links.max_age_seconds == 600
    assert links.read(signed_ago(LINK_MAX_AGE_SECONDS - 5, [7, DIGEST])) == DocumentLink(7, DIGEST)
    with pytest.raises(LinkExpired):
        links.read(signed_ago(LINK_MAX_AGE_SECONDS + 1, [7, DIGEST]))
    with pytest.raises(LinkExpired):
        links.read(signed_ago(2, [7, DIGEST]), max_age_seconds=1)


@pytest.mark.parametrize(
    "token",
    [
        signed_ago(0, [7, DIGEST], secret="another secret of forty characters......"),
        URLSafeTimedSerializer(SECRET, salt="another purpose").dumps([7, DIGEST]),
        signed_ago(0, {"document": 7}),
        "",
        "not-a-token",
    ],
    ids=["another-secret", "another-purpose", "another-payload", "empty", "not-a-token"],  # tokens hold the time
)
def test_a_forged_link_names_nothing(token: str) -> None:
    with pytest.raises(LinkRefused) as refused:
        DocumentLinks(SECRET, "https://portal.test").read(token)
    assert not isinstance(refused.value, LinkExpired)


def test_an_altered_link_names_nothing() -> None:
    links = DocumentLinks(SECRET, "https://portal.test")
    payload, timestamp, signature = links.token(7, DIGEST).rsplit(".", 2)
    other_payload = links.token(8, DIGEST).rsplit(".", 2)[0]
    assert other_payload != payload
    with pytest.raises(LinkRefused):
        links.read(f"{other_payload}.{timestamp}.{signature}")
    with pytest.raises(LinkRefused):
        links.read(f"{payload}.{timestamp}.{signature[:-2]}")
