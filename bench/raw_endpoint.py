"""The yardstick of ``bench.graphql``: the work of the service's read path done by hand.

Starlette + asyncpg + orjson, no ORM, no GraphQL executor. It answers ``POST /graphql``
for the few operations the benchmark sends (looked up by their exact text, among them
the service's trusted documents for invoices) with the same JSON as the service, read from the same PostgreSQL
tables. Per request it does what the service does before and around GraphQL:

- the bearer token checked like ``api.oauth.validation``: compact form, ``alg`` RS256 and
  ``typ`` at+jwt in the header, the signature with the service's public key (its JWKS),
  ``iss``, ``aud``, ``exp``/``nbf``/``iat`` with 60 s leeway, ``sub``/``jti``/``client_id``;
- the revocation lookup and the membership lookup as two SQL statements (like
  ``api.oauth.store.is_revoked`` and ``billing.access.identity``), then the data's;
- one pooled connection per request.

Members only (the benchmark's token is a member's): partner clients and staff tokens are
refused. Anything it does not know is a 400, a bad token a 401.

Configured by ``BENCH_RAW_DSN`` (asyncpg DSN), ``BENCH_RAW_JWKS`` (the JWKS as JSON),
``BENCH_RAW_ISSUER`` and ``BENCH_RAW_AUDIENCE``. Run: ``python -m bench.raw_endpoint --port N``
(uvicorn, with the same options as ``portal serve``).
"""

from __future__ import annotations

import argparse
import base64
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

LEEWAY = 60
INVOICE_READ_SCOPES = frozenset({"billing:read", "billing:write", "invoices:read"})
QUANTUM = {"JPY": Decimal(1), "USD": Decimal("0.01")}
CURRENCY = {"JP": "JPY", "GLOBAL": "USD"}


# The operations, by their exact text (bench.graphql sends these).

INVOICE_FIELDS = """id number coverage issueDate dueDate paidOn status currency paymentTerms poNumber
subtotal { amount currency } taxTotal { amount currency } total { amount currency }
billTo { companyName department contactName billingEmail ccEmails postalCode country region city addressLines
taxRegistrationNumber }
issuer { name registrationNumber }
lines { orderNumber product description periodStart periodEnd amount { amount currency } taxCategory kind coverage
poNumber }
taxes { taxCategory rate taxableAmount { amount currency } taxAmount { amount currency } coverage }"""
FEW_FIELDS = "number status total { amount currency }"

VIEWER = "{ viewer { subject } }"
ONE_INVOICE = f"query Invoice($number: String!) {{ invoice(number: $number) {{ {INVOICE_FIELDS} }} }}"
PAGE_ALL = (
    "query InvoicePage($first: Int!) { invoices(first: $first) { edges { cursor node { "
    f"{INVOICE_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
PAGE_FEW = f"query InvoiceList($first: Int!) {{ invoices(first: $first) {{ edges {{ node {{ {FEW_FIELDS} }} }} }} }}"

# The service's trusted documents with the same selections (run on compiled plans there).
TRUSTED = Path(__file__).resolve().parents[1] / "schema" / "trusted"
TRUSTED_INVOICE, TRUSTED_PAGE_ALL, TRUSTED_PAGE_FEW = (
    (TRUSTED / name).read_text(encoding="utf-8") for name in ("invoice.graphql", "invoice_page.graphql", "invoice_list.graphql")
)


class Unauthorised(Exception):
    pass


class BadRequest(Exception):
    pass


# The token.

def _b64(text: str | bytes) -> bytes:
    data = text.encode("ascii") if isinstance(text, str) else text
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def _rsa_keys(jwks: dict[str, Any]) -> dict[str, RSAPublicKey]:
    keys = {}
    for jwk in jwks["keys"]:
        if jwk.get("kty") == "RSA":
            numbers = RSAPublicNumbers(int.from_bytes(_b64(jwk["e"]), "big"), int.from_bytes(_b64(jwk["n"]), "big"))
            keys[jwk.get("kid", "")] = numbers.public_key()
    return keys


class Tokens:
    def __init__(self, jwks: dict[str, Any], issuer: str, audience: str) -> None:
        self.keys = _rsa_keys(jwks)
        self.issuer = issuer
        self.audience = audience

    def claims(self, token: str) -> dict[str, Any]:
        if len(token) > 8192 or token.count(".") != 2:
            raise Unauthorised("token is malformed")
        head, payload, signature = token.split(".")
        try:
            header = orjson.loads(_b64(head))
            claims = orjson.loads(_b64(payload))
            raw_signature = _b64(signature)
        except (ValueError, orjson.JSONDecodeError):
            raise Unauthorised("token is malformed") from None
        if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != "RS256":
            raise Unauthorised("signing algorithm is not allowed")
        if str(header.get("typ", "")).lower() not in ("at+jwt", "application/at+jwt"):
            raise Unauthorised("token type (typ) must be at+jwt")
        if claims.get("iss") != self.issuer:
            raise Unauthorised("issuer is not trusted")
        key = self.keys.get(header.get("kid", ""))
        if key is None:
            raise Unauthorised("signing key is unknown")
        try:
            key.verify(raw_signature, f"{head}.{payload}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise Unauthorised("signature is invalid") from None
        now = time.time()
        if not isinstance(claims.get("exp"), int) or claims["exp"] + LEEWAY < now:
            raise Unauthorised("token has expired")
        if not isinstance(claims.get("iat"), int) or claims["iat"] - LEEWAY > now:
            raise Unauthorised("token is not yet valid")
        if isinstance(claims.get("nbf"), int) and claims["nbf"] - LEEWAY > now:
            raise Unauthorised("token is not yet valid")
        audience = claims.get("aud")
        if self.audience not in (audience if isinstance(audience, list) else [audience]):
            raise Unauthorised("audience does not include this service")
        for name in ("sub", "jti", "client_id"):
            value = claims.get(name)
            if not isinstance(value, str) or not value or len(value) > 255 or not value.isprintable():
                raise Unauthorised(f"claim {name} is invalid")
        return claims


# The data, shaped like the service's answer.

def _money(value: Decimal | None, currency: str | None) -> dict[str, str] | None:
    if value is None or currency is None:
        return None
    return {"amount": format(value.quantize(QUANTUM[currency]), "f"), "currency": currency}


def _status(status: str, due: date, today: date) -> str:
    return "PAST_DUE" if status == "ISSUED" and today > due else status


def _global_id(type_name: str, key: object) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def _cursor(issue_date: date, key: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([{"d": issue_date.isoformat()}, key])).decode().rstrip("=")


def _bill_to(snapshot: dict[str, Any]) -> dict[str, Any]:
    get = snapshot.get
    return {
        "companyName": get("company_name"), "department": get("department"), "contactName": get("contact_name"),
        "billingEmail": get("billing_email"), "ccEmails": get("cc_emails") or [], "postalCode": get("postal_code"),
        "country": get("country"), "region": get("region"), "city": get("city"),
        "addressLines": get("address_lines") or [], "taxRegistrationNumber": get("tax_registration_number"),
    }


def _full(row: asyncpg.Record, lines: list[asyncpg.Record], taxes: list[asyncpg.Record], today: date) -> dict[str, Any]:
    currency, own = row["currency"], row["coverage"]
    coverages = sorted({line["coverage"] or own for line in lines}, key=lambda c: (c != own, c))
    ordered_lines = [line for c in coverages for line in lines if (line["coverage"] or own) == c]
    ordered_taxes = [tax for c in coverages for tax in taxes if (tax["coverage"] or own) == c]
    issuer = orjson.loads(row["issuer"])
    return {
        "id": _global_id("Invoice", row["id"]), "number": row["number"], "coverage": own,
        "issueDate": row["issue_date"].isoformat(), "dueDate": row["due_date"].isoformat(),
        "paidOn": row["paid_on"].isoformat() if row["paid_on"] else None,
        "status": _status(row["status"], row["due_date"], today), "currency": currency,
        "paymentTerms": row["payment_terms"], "poNumber": row["po_number"],
        "subtotal": _money(row["subtotal"], currency), "taxTotal": _money(row["tax_total"], currency),
        "total": _money(row["total"], currency),
        "billTo": _bill_to(orjson.loads(row["bill_to"])),
        "issuer": {"name": issuer["name"], "registrationNumber": issuer.get("registration_number")},
        "lines": [_line(line, own) for line in ordered_lines],
        "taxes": [_tax(tax, own) for tax in ordered_taxes],
    }


def _line(line: asyncpg.Record, own: str) -> dict[str, Any]:
    coverage = line["coverage"] or own
    return {
        "orderNumber": line["order_number"], "product": line["product"], "description": line["description"],
        "periodStart": line["period_start"].isoformat(), "periodEnd": line["period_end"].isoformat(),
        "amount": _money(line["amount"], CURRENCY[coverage]), "taxCategory": line["tax_category"],
        "kind": line["kind"], "coverage": coverage, "poNumber": line["po_number"],
    }


def _tax(tax: asyncpg.Record, own: str) -> dict[str, Any]:
    coverage = tax["coverage"] or own
    currency = CURRENCY[coverage]
    return {
        "taxCategory": tax["category"], "rate": format(tax["rate"].normalize(), "f"),
        "taxableAmount": _money(tax["taxable_amount"], currency), "taxAmount": _money(tax["tax_amount"], currency),
        "coverage": coverage,
    }


INVOICE_COLUMNS = ("id, number, coverage, issue_date, due_date, paid_on, status, currency, payment_terms, po_number, "
                   "subtotal, tax_total, total, bill_to, issuer")
LINES_SQL = ("SELECT invoice_id, order_number, product, description, period_start, period_end, amount, tax_category, "
             "kind, coverage, po_number FROM invoice_lines WHERE invoice_id = ANY($1::int[]) "
             "ORDER BY invoice_id, position")
TAXES_SQL = ("SELECT invoice_id, category, rate, taxable_amount, tax_amount, coverage FROM invoice_taxes "
             "WHERE invoice_id = ANY($1::int[]) ORDER BY invoice_id, id")


async def _with_details(conn: asyncpg.Connection, rows: list[asyncpg.Record], today: date) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    lines: dict[int, list[asyncpg.Record]] = {key: [] for key in ids}
    taxes: dict[int, list[asyncpg.Record]] = {key: [] for key in ids}
    if ids:
        for line in await conn.fetch(LINES_SQL, ids):
            lines[line["invoice_id"]].append(line)
        for tax in await conn.fetch(TAXES_SQL, ids):
            taxes[tax["invoice_id"]].append(tax)
    return [_full(row, lines[row["id"]], taxes[row["id"]], today) for row in rows]


def _first(variables: dict[str, Any]) -> int:
    first = variables.get("first")
    if not isinstance(first, int) or not 0 <= first <= 100:
        raise BadRequest("`first` must be between 0 and 100.")
    return first


async def viewer(conn: asyncpg.Connection, caller: Caller, variables: dict[str, Any]) -> dict[str, Any]:
    return {"viewer": {"subject": caller.subject}}


async def one_invoice(conn: asyncpg.Connection, caller: Caller, variables: dict[str, Any]) -> dict[str, Any]:
    caller.require(INVOICE_READ_SCOPES)
    row = await conn.fetchrow(
        f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE account_id = $1 AND number = $2 LIMIT 1",
        caller.account_id, str(variables.get("number")),
    )
    if row is None:
        return {"invoice": None}
    (invoice,) = await _with_details(conn, [row], datetime.now(UTC).date())
    return {"invoice": invoice}


async def _page(conn: asyncpg.Connection, caller: Caller, first: int, columns: str) -> tuple[list[Any], bool]:
    caller.require(INVOICE_READ_SCOPES)
    rows = await conn.fetch(
        f"SELECT {columns} FROM invoices WHERE account_id = $1 ORDER BY issue_date DESC, id DESC LIMIT $2",
        caller.account_id, first + 1,
    )
    return rows[:first], len(rows) > first


async def page_all(conn: asyncpg.Connection, caller: Caller, variables: dict[str, Any]) -> dict[str, Any]:
    rows, has_next = await _page(conn, caller, _first(variables), INVOICE_COLUMNS)
    nodes = await _with_details(conn, rows, datetime.now(UTC).date())
    cursors = [_cursor(row["issue_date"], row["id"]) for row in rows]
    return {"invoices": {
        "edges": [{"cursor": cursor, "node": node} for cursor, node in zip(cursors, nodes)],
        "pageInfo": {"hasNextPage": has_next, "endCursor": cursors[-1] if cursors else None},
    }}


async def page_few(conn: asyncpg.Connection, caller: Caller, variables: dict[str, Any]) -> dict[str, Any]:
    rows, _ = await _page(conn, caller, _first(variables), "id, number, status, due_date, currency, total")
    today = datetime.now(UTC).date()
    return {"invoices": {"edges": [
        {"node": {"number": row["number"], "status": _status(row["status"], row["due_date"], today),
                  "total": _money(row["total"], row["currency"])}}
        for row in rows
    ]}}


Operation = Callable[[asyncpg.Connection, "Caller", dict[str, Any]], Awaitable[dict[str, Any]]]
OPERATIONS: dict[str, Operation] = {
    VIEWER: viewer, ONE_INVOICE: one_invoice, PAGE_ALL: page_all, PAGE_FEW: page_few,
    TRUSTED_INVOICE: one_invoice, TRUSTED_PAGE_ALL: page_all, TRUSTED_PAGE_FEW: page_few,
}


class Caller:
    def __init__(self, subject: str, scopes: frozenset[str], account_id: Any) -> None:
        self.subject, self.scopes, self.account_id = subject, scopes, account_id

    def require(self, scopes: frozenset[str]) -> None:
        if not self.scopes & scopes or self.account_id is None:
            raise Forbidden


class Forbidden(Exception):
    pass


async def _caller(conn: asyncpg.Connection, claims: dict[str, Any], issuer: str) -> Caller:
    if claims["sub"] == claims["client_id"] or "admin" in str(claims.get("scope", "")).split():
        raise Unauthorised("only members' tokens are served here")
    if claims["iss"] == issuer and await conn.fetchval(
        "SELECT 1 FROM issued_tokens WHERE jti = $1 AND revoked_at IS NULL LIMIT 1", claims["jti"]
    ) is None:
        raise Unauthorised("token has been revoked")
    members = await conn.fetch("SELECT account_id, role FROM members WHERE subject = $1 LIMIT 2", claims["sub"])
    if not members:
        raise Unauthorised("subject is not a member of any account")
    scopes = frozenset(str(claims.get("scope", "")).split())
    return Caller(claims["sub"], scopes, members[0]["account_id"] if len(members) == 1 else None)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _error(message: str, code: str, status: int) -> Response:
    return _json({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


async def graphql(request: Request) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token:
            raise Unauthorised("a bearer access token is required")
        claims = request.app.state.tokens.claims(token.strip())
        try:
            body = orjson.loads(await request.body())
            operation = OPERATIONS[body["query"]]
            variables = body.get("variables") or {}
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise BadRequest("not one of the benchmark's operations") from None
        async with request.app.state.pool.acquire() as conn:
            caller = await _caller(conn, claims, request.app.state.tokens.issuer)
            data = await operation(conn, caller, variables)
    except Unauthorised as exc:
        return _error(f"Unauthorised: {exc}", "UNAUTHENTICATED", 401)
    except BadRequest as exc:
        return _error(str(exc), "BAD_REQUEST", 400)
    except Forbidden:
        return _error("Forbidden", "FORBIDDEN", 200)
    return _json({"data": data})


@asynccontextmanager
async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
    app.state.tokens = Tokens(orjson.loads(os.environ["BENCH_RAW_JWKS"]), os.environ["BENCH_RAW_ISSUER"],
                              os.environ.get("BENCH_RAW_AUDIENCE", "billing-portal"))
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_RAW_DSN"], min_size=2, max_size=20)
    try:
        yield
    finally:
        await app.state.pool.close()


async def healthz(request: Request) -> Response:
    return Response(b"ok")


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan)


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, proxy_headers=True, server_header=False, date_header=True,
                log_config=None, log_level="warning")
