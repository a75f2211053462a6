"""Downloading an issued invoice's PDF, exactly the bytes stored at issue.

- ``GET /invoices/{number}.pdf`` with ``Authorization: Bearer``: the token is
  checked exactly as on ``/graphql`` (the GraphQL endpoint's own authentication:
  401 with ``WWW-Authenticate`` when missing or bad), then the caller must be
  able to read that invoice (``invoice(number:)``'s rule). A missing invoice, a
  foreign one are the same 404. A document the worker has not rendered yet is
  rendered on the spot (``billing.documents.stored.ensure_document``).
- ``GET /documents/{token}``: a signed link from ``Invoice.document.url``, no
  bearer needed (``billing.documents.links``). Expired: 410; forged, altered or
  naming nothing: 404.

Either way the answer is ``application/pdf`` as an attachment named after the
invoice number, never cached (``private, no-store``: it is a customer's invoice),
with the SHA-256 as ``ETag`` so a client can check what it received.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.graphql_app import GraphQLEndpoint
from api.oauth.validation import InvalidToken
from billing.access.identity import NotAuthorised
from billing.documents.links import DocumentLinks, LinkExpired, LinkRefused
from billing.documents.stored import Download, invoice_download, linked_download
from billing.policy import BankAccount

__all__ = ["document_routes"]

logger = logging.getLogger("portal.documents")


def document_routes(graphql: GraphQLEndpoint, links: DocumentLinks, bank: BankAccount | None) -> list[Route]:
    """The two download routes; ``graphql`` lends its bearer authentication; ``bank``
    is printed on a document rendered on demand (one the worker has not rendered yet)."""

    async def invoice_pdf(request: Request) -> Response:
        try:
            caller = await graphql.authenticate(request)
        except (InvalidToken, NotAuthorised) as exc:
            return graphql.unauthorised(exc, request)
        download = await invoice_download(caller, request.path_params["number"], bank)
        if download is None:
            return _refused(404, "not_found", "No such invoice here: it does not exist or is not yours.")
        return pdf_response(download)

    async def linked_pdf(request: Request) -> Response:
        try:
            link = links.read(request.path_params["token"])
        except LinkExpired:
            return _refused(410, "link_expired", f"This download link has expired (links last "
                                                 f"{links.max_age_seconds // 60} minutes): ask for a new one, "
                                                 "e.g. read `document { url }` of the invoice again.")
        except LinkRefused:
            return _refused(404, "not_found", "This download link is not valid.")
        download = await linked_download(link)
        if download is None:
            return _refused(404, "not_found", "This download link names no document.")
        return pdf_response(download)

    return [
        Route("/invoices/{number}.pdf", invoice_pdf, methods=["GET"]),
        Route("/documents/{token}", linked_pdf, methods=["GET"]),
    ]


def pdf_response(download: Download) -> Response:
    """The stored bytes as they are, with their digest as the entity tag."""
    return Response(
        download.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{download.number}.pdf"',
            "Cache-Control": "private, no-store",
            "ETag": f'"{download.sha256}"',
        },
    )


def _refused(status: int, error: str, message: str) -> JSONResponse:
    logger.info("refused document download: %s %s", status, error)
    return JSONResponse({"error": error, "message": message}, status_code=status, headers={"Cache-Control": "no-store"})
