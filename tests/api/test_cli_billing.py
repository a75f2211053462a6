"""``portal billing run --as-of``, run as a real process against a SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from billing.accounts import create_account
from models.config import tortoise_config
from models.invoices import Invoice
from schema.ids import global_id
from tests.support.invoicing import activate, book, line
from tests.support.server import audited, clean_environ

REPO = Path(__file__).resolve().parents[2]


def _portal(database_url: str, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = clean_environ(PORTAL_DATABASE_URL=database_url, **settings)
    return audited(
        subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    )


async def _one_subscription_due_on_march_first(tmp_path: Path, **order: Any) -> str:
    """A SQLite file with one account and one GLOBAL subscription (its id is 1) whose
    line is active on 2026-03-01; returns its URL."""
    url = f"sqlite://{tmp_path}/cli.sqlite3"
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        account = await create_account("Acme", "alice")
        _, (row,) = await book(account, [line("X", "10.00")], booked_on=date(2026, 3, 1), start=date(2026, 3, 1),
                               end=date(2027, 2, 28), **order)
        await activate(row, date(2026, 3, 1))
    return url


async def test_billing_run_issues_what_is_due_once_and_prints_a_report(tmp_path: Path) -> None:
    url = await _one_subscription_due_on_march_first(tmp_path)
    first = _portal(url, "billing", "run", "--as-of", "2026-03-01")
    second = _portal(url, "billing", "run", "--as-of", "2026-03-01")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["issued"] == ["GL-2026-000001"]
    assert json.loads(second.stdout)["issued"] == []
    assert _portal(url, "billing", "run", "--as-of", "March").returncode == 2
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        assert await Invoice.all().count() == 1


async def test_the_report_names_held_subscriptions_by_their_global_ids(tmp_path: Path) -> None:
    url = await _one_subscription_due_on_march_first(tmp_path, po_required=True)
    held = _portal(url, "billing", "run", "--as-of", "2026-03-01")
    assert held.returncode == 0, held.stderr
    report = json.loads(held.stdout)
    assert report["issued"] == []
    assert report["held_subscriptions"] == [global_id("Subscription", 1)]
    assert report["holds"] == [{"subscription": global_id("Subscription", 1), "reason": "PURCHASE_ORDER_MISSING"}]


async def test_without_as_of_the_run_is_for_today_by_the_shared_clock(tmp_path: Path) -> None:
    url = await _one_subscription_due_on_march_first(tmp_path)
    run = _portal(url, "billing", "run", PORTAL_CLOCK="2026-03-01")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["as_of"] == "2026-03-01"
    assert json.loads(run.stdout)["issued"] == ["GL-2026-000001"]


async def test_a_failed_unit_is_reported_and_the_exit_status_says_so(tmp_path: Path) -> None:
    url = await _one_subscription_due_on_march_first(tmp_path)
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.db().execute_script(
            "CREATE TRIGGER poison BEFORE INSERT ON invoices BEGIN SELECT RAISE(ABORT, 'poisoned'); END;"
        )
    run = _portal(url, "billing", "run", "--as-of", "2026-03-01")
    assert run.returncode == 1 and "1 billing unit(s) failed" in run.stderr
    report = json.loads(run.stdout)
    assert report["issued"] == []
    (failure,) = report["failures"]
    assert failure["subscriptions"] == [global_id("Subscription", 1)] and failure["error"].endswith(": poisoned")
