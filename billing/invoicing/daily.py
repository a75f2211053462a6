"""The worker's daily billing: run ``run_billing`` once for each new day.

A run is idempotent and safe to share between processes, so the loop simply
runs for "today" when the date has changed since its last successful run; a
failed run is logged and tried again at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import date

from billing.clock import Clock
from billing.invoicing.run import RunReport, run_billing
from billing.payment_settings.gateway import PaymentGateway
from billing.policy import BillingPolicy

log = logging.getLogger("billing.daily")

DEFAULT_TICK_SECONDS = 300.0


class DailyBilling:
    def __init__(
        self,
        policy: BillingPolicy,
        gateway: PaymentGateway,
        *,
        clock: Clock | None = None,
        tick_seconds: float = DEFAULT_TICK_SECONDS,
        on_report: Callable[[RunReport, float], None] | None = None,
    ) -> None:
        self.policy = policy
        self.gateway = gateway
        self.clock = clock or Clock()
        self.tick_seconds = tick_seconds
        self.last_run: date | None = None
        self.on_report = on_report
        """Told each finished run's report and seconds: metrics."""

    async def tick(self) -> RunReport | None:
        """Run billing for today unless today's run already succeeded."""
        today = self.clock.today()
        if self.last_run == today:
            return None
        started = time.monotonic()
        try:
            report = await run_billing(today, policy=self.policy, gateway=self.gateway)
        except Exception:  # a failed day is retried at the next tick; the worker goes on
            log.exception("daily billing run for %s failed; will retry", today)
            return None
        self.last_run = today
        if self.on_report is not None:
            self.on_report(report, time.monotonic() - started)
        log.info(
            "daily billing %s: %d issued, %d held, %d failed",
            today, len(report.issued), len(report.held), len(report.failures),
        )
        return report

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set."""
        while not stop.is_set():
            await self.tick()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.tick_seconds)
            except TimeoutError:
                continue
