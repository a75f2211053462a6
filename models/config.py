"""How Tortoise ORM is configured for this service (one app, label ``portal``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

APP_LABEL = "portal"
MODEL_MODULES = ["models"]
MIGRATIONS_MODULE = "models.migrations"


def tortoise_config(
    database_url: str, *, connect_timeout: float | None = None, statement_timeout: float | None = None
) -> dict[str, Any]:
    """The Tortoise config dict for ``database_url`` (``sqlite://…`` or ``postgres://…``).

    ``connect_timeout`` and ``statement_timeout`` (seconds) bound how long a request
    waits for the database (the web app passes its settings; without them the
    drivers' own defaults apply). An option the URL sets itself wins.
    """
    return {
        "connections": {"default": _connection(database_url, connect_timeout, statement_timeout)},
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


def _connection(
    database_url: str, connect_timeout: float | None, statement_timeout: float | None
) -> str | dict[str, Any]:
    """Add the connection options this service relies on, unless the URL sets them.

    SQLite waits for a lock instead of failing at once (``busy_timeout``: the
    statement timeout, else 5 s); the PostgreSQL pool is sized for a web process plus
    its background tasks. With timeouts, PostgreSQL goes through ``models.database``
    (asyncpg's ``timeout`` for connecting, ``command_timeout`` for each statement, and
    the same connect timeout for waiting on a pooled connection).
    """
    if database_url.startswith("sqlite://"):
        busy_ms = 5000 if statement_timeout is None else max(1, round(statement_timeout * 1000))
        return _add_param(database_url, "busy_timeout", str(busy_ms))
    database_url = _add_param(database_url, "maxsize", "20")
    if connect_timeout is None and statement_timeout is None:
        return database_url
    info = expand_db_url(database_url)
    if info["engine"] != "tortoise.backends.asyncpg":
        return database_url
    credentials = info["credentials"]
    if connect_timeout is not None:
        credentials.setdefault("timeout", connect_timeout)
        credentials.setdefault("acquire_timeout", credentials["timeout"])
    if statement_timeout is not None:
        credentials.setdefault("command_timeout", statement_timeout)
    return {"engine": "models.database", "credentials": credentials}


def _add_param(url: str, key: str, value: str) -> str:
    query = url.partition("?")[2]
    if any(part.partition("=")[0] == key for part in query.split("&")):
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
