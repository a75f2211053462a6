"""``portal settings``: every setting in effect, where it came from, secrets hidden.

An operator's first check after writing a ``.env`` file or a deployment's
environment: the command stops (exit 2, naming the variable) on a bad value like
every other command, and otherwise prints one JSON object per line.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values

from api.settings import ENV_FILE_VARIABLE, Settings

HIDDEN = "[hidden]"


def add_settings_command(sub: Any) -> None:
    sub.add_parser(
        "settings",
        help="every setting in effect, one JSON object per line (variable, value, from), secrets hidden",
        description="Reads the settings as every command does (the environment over the .env file "
        f"{ENV_FILE_VARIABLE} names, default .env) and prints each: its variable, the value in effect "
        "and where it came from (environment, file or default). Secrets and URL passwords are hidden.",
    ).set_defaults(handler=cmd_settings)


def cmd_settings(settings: Settings, args: argparse.Namespace) -> None:
    env_file = Path(os.environ.get(ENV_FILE_VARIABLE) or ".env")
    in_file = {name.upper() for name, value in dotenv_values(env_file).items() if value and value.strip()}
    in_environment = {name.upper() for name, value in os.environ.items() if value.strip()}
    for name, variable in Settings.variables().items():
        names = {variable.upper()} | _aliases(name)
        origin = "environment" if names & in_environment else f"file {env_file}" if names & in_file else "default"
        print(json.dumps({"variable": variable, "value": shown(settings, name), "from": origin}, ensure_ascii=False))


def shown(settings: Settings, name: str) -> Any:
    """The value as JSON shows it; a secret as ``[hidden]``, a URL with its password hidden."""
    value = getattr(settings, name)
    if value is not None and Settings.model_fields[name].repr is False:
        return _without_password(value) if "://" in str(value) else HIDDEN
    if isinstance(value, tuple):
        return [item if isinstance(item, str) else vars(item) for item in value]
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}{HIDDEN}@{host}"))


def _aliases(name: str) -> set[str]:
    alias = Settings.model_fields[name].validation_alias
    return {str(choice).upper() for choice in getattr(alias, "choices", ())}
