"""Running ``portal serve``: uvicorn, stopped gracefully.

On SIGTERM or SIGINT the process does not stop at once (uvicorn's own handler would close
the listening socket and the idle keep-alive connections straight away, so requests on
their way get a reset). Instead:

1. ``/readyz`` answers 503 at once and every answer carries ``Connection: close``
   (``api.drain``);
2. for ``PORTAL_SHUTDOWN_DRAIN_SECONDS`` the process goes on accepting and serving, while
   the load balancer notices and sends new requests to the other processes;
3. then uvicorn stops accepting, lets the requests in flight finish (at most
   ``PORTAL_SHUTDOWN_TIMEOUT_SECONDS``), runs the lifespan's shutdown (the database pool is
   closed) and the process exits 0.

A second signal during the drain skips the rest of the wait; a second SIGINT during the
shutdown stops without waiting for requests (uvicorn's "force exit").
"""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

import uvicorn
from starlette.applications import Starlette

from api.drain import CloseWhenDraining, Drain
from api.settings import Settings

log = logging.getLogger("api.serving")


class GracefulServer(uvicorn.Server):
    """``uvicorn.Server`` whose signal handler drains before the usual shutdown."""

    def __init__(self, config: uvicorn.Config, drain: Drain, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain = drain
        self.drain_seconds = drain_seconds
        self.exit_at: float | None = None
        self.announced = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Runs inside a signal handler: set flags only (no logging, no event loop calls).
        # The signal is deliberately not recorded in ``_captured_signals``: uvicorn would
        # raise it again after shutting down and the process would die of it, not exit 0.
        if self.exit_at is None:
            self.drain.begin()
            self.exit_at = time.monotonic() + self.drain_seconds
            return
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True

    async def on_tick(self, counter: int) -> bool:
        if self.exit_at is not None:
            if not self.announced:
                self.announced = True
                log.info("stop requested: /readyz answers 503; draining for %gs before closing", self.drain_seconds)
            if time.monotonic() >= self.exit_at:
                self.should_exit = True
        return await super().on_tick(counter)


def serve(app: Starlette, settings: Settings) -> None:
    """Serve ``app`` on ``settings.host``:``settings.port`` until a signal, then drain and exit."""
    drain: Drain = app.state.drain
    config = uvicorn.Config(
        CloseWhenDraining(app, drain),
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        server_header=False,  # no `server: uvicorn` banner
        date_header=True,
        log_config=None,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )
    GracefulServer(config, drain, settings.shutdown_drain_seconds).run()
