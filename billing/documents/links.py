"""Short-lived signed links to one stored document, opened without a bearer token.

A link is the capability itself: whoever holds it may download that one PDF
until it expires, so the console can hand it to the browser (a plain ``<a href>``
download, which cannot send an ``Authorization`` header) and a partner can pass it
on. It is signed (HMAC, itsdangerous) over the document's id and its SHA-256:
a link can name no other document, and one minted for other bytes matches none.
It is not revocable before it expires, hence the short life (10 minutes).
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

__all__ = ["LINK_MAX_AGE_SECONDS", "LINK_SALT", "DocumentLink", "DocumentLinks", "LinkExpired", "LinkRefused"]

LINK_MAX_AGE_SECONDS = 600
LINK_SALT = "portal/document-link/v1"
"""Keeps these signatures apart from anything else signed with the same secret."""


class LinkRefused(Exception):
    """The token was not signed by this service (forged, altered, truncated, or
    signed with another secret): it names nothing."""


class LinkExpired(LinkRefused):
    """A genuine link, older than its maximum age."""


@dataclass(frozen=True)
class DocumentLink:
    """What a valid link names: a stored document and the digest of its bytes."""

    document_id: int
    sha256: str


class DocumentLinks:
    """Makes and reads the links of one service (``Services.document_links``).
    ``base_url`` is the service's public URL (``PORTAL_ISSUER``)."""

    def __init__(self, secret: str, base_url: str, *, max_age_seconds: int = LINK_MAX_AGE_SECONDS) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=LINK_SALT)
        self.base_url = base_url.rstrip("/")
        self.max_age_seconds = max_age_seconds

    def token(self, document_id: int, sha256: str) -> str:
        return self._serializer.dumps([document_id, sha256])

    def url(self, document_id: int, sha256: str) -> str:
        """The absolute download URL, valid for ``max_age_seconds`` from now."""
        return f"{self.base_url}/documents/{self.token(document_id, sha256)}"

    def read(self, token: str, *, max_age_seconds: int | None = None) -> DocumentLink:
        """The document ``token`` names; ``LinkExpired`` or ``LinkRefused`` otherwise."""
        max_age = self.max_age_seconds if max_age_seconds is None else max_age_seconds
        try:
            payload = self._serializer.loads(token, max_age=max_age)
        except SignatureExpired:
            raise LinkExpired("the link has expired") from None
        except BadData:
            raise LinkRefused("the link is not valid") from None
        match payload:
            case [int(document_id), str(sha256)]:
                return DocumentLink(document_id, sha256)
        raise LinkRefused("the link names no document")  # signed by us, but not a document link
