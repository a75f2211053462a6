"""The one way authlib's synchronous code reaches the async storage (see ``api.oauth.server``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anyio import from_thread


def on_loop(fn: Callable[..., Any], *args: Any) -> Any:
    """Run an async storage function on the event loop from authlib's worker thread."""
    return from_thread.run(fn, *args)
