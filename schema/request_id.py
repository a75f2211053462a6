"""The id of the HTTP request being served, for logs and masked errors.

Set by ``api.middleware.RequestIdMiddleware``; read wherever something is logged.
"""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")
