"""The Starlette application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise import connections
from tortoise.contrib.starlette import RegisterTortoise

from api.documents import document_routes
from api.drain import Drain
from api.errors import ServiceUnavailableMiddleware
from api.graphql_app import GraphQLEndpoint
from api.logs import AccessLogMiddleware
from api.metrics import MetricsMiddleware, metrics_routes, serve_metrics_port
from api.middleware import BodySizeLimitMiddleware, RequestIdMiddleware, SecurityHeadersMiddleware
from api.oauth.routes import oauth_routes
from api.rate_limits import RATE_LIMIT_HEADERS
from api.services import Services
from api.signin.routes import signin_routes
from api.signin.session import session_middleware
from api.web.routes import web_routes
from models.config import ensure_sqlite_directory, tortoise_config
from schema import build_schema
from schema.trusted import TrustedDocuments


def create_app(services: Services, *, manage_database: bool = True) -> Starlette:
    """Build the ASGI app.

    With ``manage_database`` the lifespan opens and closes the ORM; tests open
    it themselves (``httpx.ASGITransport`` does not run the lifespan).
    """
    settings = services.settings
    schema = build_schema(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_tokens=settings.graphql_max_tokens,
        field_suggestions=not settings.is_production,
        trusted=TrustedDocuments.load(settings.trusted_documents_dir),
        compiled_plans=settings.graphql_compiled_plans,
        tracer_provider=services.tracer_provider,
    )
    graphql = GraphQLEndpoint(schema, services.validator, graphiql=not settings.is_production)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_database:
            ensure_sqlite_directory(settings.database_url)
            config = tortoise_config(
                settings.database_url,
                connect_timeout=settings.db_connect_timeout_seconds,
                statement_timeout=settings.db_statement_timeout_seconds,
            )
            async with RegisterTortoise(app, config=config):
                with serve_metrics_port(settings, services.metrics):  # PORTAL_METRICS_PORT, if set
                    yield
        else:
            yield
        await services.aclose()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *metrics_routes(settings, services.metrics),  # /metrics unless off or on PORTAL_METRICS_PORT
        *document_routes(graphql, services.document_links, services.billing_policy.bank),  # /invoices/{number}.pdf, /documents/{token}
        *oauth_routes(services.authorization_server, settings.issuer),
        *signin_routes(settings),  # /signin, /signout: people sign in for the authorization code grant
        *([] if settings.is_production else web_routes()),  # /static/ and /console/: development only
    ]
    middleware = [
        *(  # outermost: the request's span is current for everything inside (api/tracing.py)
            [Middleware(OpenTelemetryMiddleware, tracer_provider=services.tracer_provider,
                        exclude_spans=["receive", "send"])]
            if services.tracer_provider is not None else []
        ),
        Middleware(SecurityHeadersMiddleware, hsts=settings.is_production),
        Middleware(RequestIdMiddleware),
        Middleware(AccessLogMiddleware),  # one line per request, with its request id (api/logs.py)
        Middleware(MetricsMiddleware, metrics=services.metrics),
        # Inside the two above (a preflight carries a request id), outside the rest (a 503
        # or a 413 carries Access-Control-Allow-Origin, so the browser lets the console read it).
        # Absent unless PORTAL_CORS_ORIGINS names origins; bearer tokens only, never credentials.
        *(
            [Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=("GET", "POST"),
                allow_headers=("authorization", "content-type", "x-account-id", "idempotency-key"),
                expose_headers=(
                    "x-request-id", "etag", "content-disposition",  # a console downloading a PDF
                    *RATE_LIMIT_HEADERS, "idempotent-replayed",  # docs/limits.md
                ),
                allow_credentials=False,
                max_age=600,
            )]
            if settings.cors_origins
            else []
        ),
        Middleware(ServiceUnavailableMiddleware),  # inside the two above: a 503 carries their headers
        Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
        session_middleware(settings, services.signing_key),  # the sign-in cookie (api/signin/session.py)
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.services = services
    app.state.drain = Drain()  # set by api.serving on SIGTERM: /readyz answers 503
    app.state.schema = schema
    return app


async def healthz(request: Request) -> Response:
    """The process is alive."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The process can reach its database and is not stopping."""
    if request.app.state.drain.active:
        return JSONResponse({"status": "draining"}, status_code=503)
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
