"""How Tortoise ORM is configured for this service (one app, label ``portal``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

APP_LABEL = "portal"
MODEL_MODULES = ["models"]
MIGRATIONS_MODULE = "models.migrations"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for ``database_url`` (``sqlite://…`` or ``postgres://…``)."""
    return {
        "connections": {"default": _with_defaults(database_url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _with_defaults(database_url: str) -> str:
    """Add the connection options this service relies on, unless the URL sets them.

    SQLite waits for a lock instead of failing at once (``busy_timeout``); the
    PostgreSQL pool is sized for a web process plus its background tasks.
    """
    if database_url.startswith("sqlite://"):
        return _add_param(database_url, "busy_timeout", "5000")
    return _add_param(database_url, "maxsize", "20")


def _add_param(url: str, key: str, value: str) -> str:
    if f"{key}=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}{key}={value}"


def ensure_sqlite_directory(database_url: str) -> None:
    """Create the folder of a SQLite file database (``sqlite://var/portal.sqlite3``)."""
    if not database_url.startswith("sqlite://"):
        return
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _cli_config() -> dict[str, Any]:
    import os

    return tortoise_config(os.environ.get("PORTAL_DATABASE_URL") or "sqlite://var/portal.sqlite3")


# Read by Tortoise's own CLI (``make migrations`` runs ``tortoise makemigrations``);
# the service itself always calls ``tortoise_config`` with its settings.
TORTOISE_ORM = _cli_config()
