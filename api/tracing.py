"""OpenTelemetry traces, off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

When on, every HTTP request is a server span (the ASGI middleware, outermost), each
GraphQL operation and its resolvers are spans inside it (Strawberry's extension), and
so is every PostgreSQL statement (asyncpg's instrumentation). The request id is the
trace id (``api.middleware.RequestIdMiddleware``), so the id a client quotes to support
finds the trace. The exporter is configured by the standard ``OTEL_*`` variables
(endpoint, headers, protocol ``http/protobuf``); ``OTEL_SERVICE_NAME`` names the service
(default ``billing-portal``). SQLite statements are not traced (aiosqlite runs them on
its own thread, outside the request's context).
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from api.settings import Settings

SERVICE_NAME = "billing-portal"


def tracer_provider(settings: Settings, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """The process's tracer provider, or None when tracing is off (no endpoint and no
    ``exporter``: tests pass an in-memory one)."""
    if exporter is None:
        if not settings.otlp_endpoint:
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_* itself
    name = os.environ.get("OTEL_SERVICE_NAME", SERVICE_NAME)
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    instrumentor = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)
    return provider


def current_trace_id() -> str | None:
    """The trace id of the span in progress (32 hex digits), if a trace is recording."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
