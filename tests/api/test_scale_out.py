"""Scale-out, proven with real processes: two `portal serve` processes and two `portal worker`
processes on one PostgreSQL database, under load. The workers both run the day's billing
and share the outbox; the servers share nothing but the database. Every invoice is issued
once, every email is sent once, every request is answered, and a token revoked through
one server is refused by the other at once (docs/deployment.md)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from billing.accounts import create_account
from models.coverage import Coverage
from models.invoices import BilledCharge, Invoice
from tests.support import log_audit
from tests.support.invoicing import activate, book, give_profile, line
from tests.support.server import REPO, portal, portal_env, serving
from tests.support.smtp import SmtpSink

DAY = date(2026, 3, 2)
ACCOUNTS = 12
ISSUER = "http://portal.test"


async def _due_subscriptions(count: int) -> None:
    for index in range(count):
        account = await create_account(f"Customer {index}", f"owner-{index}")
        await give_profile(account, Coverage.GLOBAL, email=f"ap{index}@customer.test")
        _, (row,) = await book(account, [line("Edge", "1000")], booked_on=DAY, start=DAY, end=date(2027, 3, 1))
        await activate(row, DAY)


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log_audit.collect(log, "portal worker")
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], env=env, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT)


async def _load(urls: list[str], token: str, stop: asyncio.Event, answers: Counter[int]) -> None:
    """Steady reads against every server in turn until ``stop``."""
    query = {"query": "{ viewer { subject } invoices(first: 5) { totalCount edges { node { number } } } }"}
    async with httpx.AsyncClient(timeout=30) as http:
        turn = 0
        while not stop.is_set():
            response = await http.post(f"{urls[turn % len(urls)]}/graphql", json=query,
                                       headers={"Authorization": f"Bearer {token}"})
            answers[response.status_code] += 1
            turn += 1


async def test_two_servers_and_two_workers_share_one_database_under_load(
    db: Any, backend: str, database_url: str, tmp_path: Path
) -> None:
    if backend != "postgres":
        pytest.skip("several workers share one database on PostgreSQL only (SQLite runs one worker at a time)")
    await _due_subscriptions(ACCOUNTS)
    sink = SmtpSink()
    sink.start()
    shared = {
        "PORTAL_DATABASE_URL": database_url, "PORTAL_ISSUER": ISSUER, "PORTAL_CLOCK": DAY.isoformat(),
        "PORTAL_SIGNING_KEY_FILE": str(tmp_path / "key.json"), "PORTAL_SMTP_URL": sink.url,
        "PORTAL_OUTBOX_POLL_SECONDS": "1", "PORTAL_RATE_LIMIT_SUBJECT_PER_MINUTE": "0",
        "PORTAL_RATE_LIMIT_CLIENT_PER_MINUTE": "0",
    }
    env = portal_env(tmp_path, **shared)
    token = portal(env, "token", "--subject", "owner-0", "--scope", "invoices:read").strip()  # makes the key once
    workers: list[subprocess.Popen[bytes]] = []
    answers: Counter[int] = Counter()
    stop = asyncio.Event()
    try:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        with serving(tmp_path / "a", **shared) as first, serving(tmp_path / "b", **shared) as second:
            load = asyncio.create_task(_load([first.url, second.url], token, stop, answers))
            workers = [_worker(env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
            async with asyncio.timeout(120):
                while len(sink.received) < ACCOUNTS:
                    for process in workers:
                        assert process.poll() is None, "a worker stopped"
                    await asyncio.sleep(0.2)
            await asyncio.sleep(1)  # time for a duplicate to arrive, if there were one
            await _revocation_is_seen_by_both(first.url, second.url, env)
            stop.set()
            await load
    finally:
        stop.set()
        for process in workers:
            process.terminate()
            process.wait(timeout=30)
        sink.stop()

    numbers = sorted(await Invoice.all().values_list("number", flat=True))
    assert numbers == [f"GL-2026-{n:06d}" for n in range(1, ACCOUNTS + 1)], "every subscription invoiced once"
    assert await BilledCharge.all().count() == ACCOUNTS
    subjects = Counter(str(mail.message["Subject"]) for mail in sink.received)
    assert len(subjects) == ACCOUNTS and set(subjects.values()) == {1}, "every invoice emailed once"
    assert all(any(number in subject for subject in subjects) for number in numbers)
    assert set(answers) == {200} and answers[200] > 0, f"every request answered: {answers}"
    assert [p.returncode for p in workers] == [0, 0]


async def _revocation_is_seen_by_both(first: str, second: str, env: dict[str, str]) -> None:
    account_id = (await Invoice.first().values_list("account_id", flat=True))
    created = json.loads(portal(env, "clients", "create", "--account", str(account_id), "--name", "ERP",
                                "--scope", "invoices:read"))
    auth = (created["client_id"], created["client_secret"])
    query = {"query": "{ invoices(first: 1) { totalCount } }"}
    async with httpx.AsyncClient(timeout=30) as http:
        issued = await http.post(f"{first}/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        for url in (first, second):
            assert (await http.post(f"{url}/graphql", json=query, headers=bearer)).status_code == 200
        revoked = await http.post(f"{first}/oauth/revoke", data={"token": token}, auth=auth)
        assert revoked.status_code == 200, revoked.text
        for url in (second, first):  # the other server first: nothing to propagate, the database says it
            assert (await http.post(f"{url}/graphql", json=query, headers=bearer)).status_code == 401
