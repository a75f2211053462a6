"""The destination rules the API checks new endpoints against."""

from __future__ import annotations

from billing.webhooks.destinations import Destinations
from schema.context import Info


def destinations(info: Info) -> Destinations:
    """Production's rules when the service runs in production, development's otherwise.
    The app may hold its own (``app.state.webhook_destinations``: tests give one with a
    resolver stub)."""
    state = info.context.request.app.state
    configured = getattr(state, "webhook_destinations", None)
    if isinstance(configured, Destinations):
        return configured
    return Destinations(production=state.services.settings.is_production)
