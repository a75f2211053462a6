"""``portal usage import FILE.csv``, run as a real process against a SQLite file:
well-formed rows are recorded in batches, malformed and refused rows are reported
with their line numbers, and importing again replays instead of storing twice."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from billing.accounts import create_account
from billing.rules.periods import BillingFrequency
from models.config import tortoise_config
from models.usage import UsageRecord
from schema.ids import global_id
from tests.support.invoicing import activate, book, line
from tests.support.server import audited, clean_environ

REPO = Path(__file__).resolve().parents[2]


def _portal(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_environ(PORTAL_DATABASE_URL=database_url)
    return audited(subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, capture_output=True,
                                  text=True, timeout=120))


async def _database_with_a_line(url: str) -> int:
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        await ctx.generate_schemas()
        account = await create_account("Acme", "alice")
        _, (row,) = await book(account, [line("Compute", "1000.00")], booked_on=date(2026, 1, 1), start=date(2026, 1, 1),
                               end=date(2026, 12, 31), frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
        await activate(row, date(2026, 1, 1))
        return row.id


async def _stored(url: str) -> list[tuple[date, Decimal, str]]:
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        rows = await UsageRecord.all().order_by("id").values_list("used_on", "list_amount", "idempotency_key")
        return [(day, amount, key) for day, amount, key in rows]


async def test_a_csv_import_records_good_rows_reports_bad_ones_and_replays_when_run_again(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/cli.sqlite3"
    line_id = await _database_with_a_line(url)
    gid = global_id("OrderLine", line_id)
    rows = [
        "line_id,used_on,list_amount,idempotency_key",
        f"{gid},2026-01-05,500.00,m1-0105",  # line 2
        f"{line_id},2026-01-06,250.50,m1-0106",  # line 3: a bare integer id
        f"{gid},2026-02-30,1.00,m1-bad-date",  # line 4
        f"{gid},2026-01-07,12x,m1-bad-number",  # line 5
        f"{gid},2026-01-08",  # line 6: columns missing
        f"{gid},2027-01-01,1.00,m1-after-term",  # line 7: refused by the rules
        f"{global_id('Invoice', 1)},2026-01-09,1.00,m1-not-a-line",  # line 8
        f"{gid},2026-01-10,1.001,m1-cents",  # line 9
        f"{gid},2026-01-11,7.00,",  # line 10: no key
        f"{gid},2026-01-05,500.00,m1-0105",  # line 11: the same record again
    ]
    csv_file = tmp_path / "usage.csv"
    csv_file.write_text("\n".join(rows) + "\n")
    first = _portal(url, "usage", "import", str(csv_file))
    assert first.returncode == 1, first.stderr
    summary = json.loads(first.stdout)
    assert (summary["accepted"], summary["replayed"]) == (2, 1)
    assert [(r["line"], [(e["code"], e["field"]) for e in r["errors"]]) for r in summary["rejected"]] == [
        (4, [("INVALID", "used_on")]), (5, [("INVALID", "list_amount")]),
        (6, [("REQUIRED", "list_amount"), ("REQUIRED", "idempotency_key")]), (7, [("OUTSIDE_TERM", "used_on")]),
        (8, [("NOT_FOUND", "line_id")]), (9, [("INVALID", "list_amount")]), (10, [("REQUIRED", "idempotency_key")]),
    ]
    assert first.stderr == ""  # no progress bar when stdout is not a terminal
    assert await _stored(url) == [(date(2026, 1, 5), Decimal("500.00"), "m1-0105"),
                                  (date(2026, 1, 6), Decimal("250.50"), "m1-0106")]

    good = tmp_path / "good.csv"
    good.write_text("\n".join(rows[:3]) + "\n" + f"{gid},2026-01-12,3.00,m1-0112\n")
    again = _portal(url, "usage", "import", str(good))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {"accepted": 1, "replayed": 2, "rejected": []}
    assert len(await _stored(url)) == 3


async def test_an_import_needs_a_header_naming_the_columns(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/cli.sqlite3"
    line_id = await _database_with_a_line(url)
    headless = tmp_path / "headless.csv"
    headless.write_text(f"{line_id},2026-01-05,500.00,k1\n")
    refused = _portal(url, "usage", "import", str(headless))
    assert refused.returncode == 1 and "header" in refused.stderr and "used_on" in refused.stderr
    assert _portal(url, "usage", "import", str(tmp_path / "missing.csv")).returncode == 1
    assert await _stored(url) == []


async def test_a_large_file_is_recorded_in_batches_of_1000(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/cli.sqlite3"
    line_id = await _database_with_a_line(url)
    big = tmp_path / "big.csv"
    big.write_text("idempotency_key,list_amount,used_on,line_id,note\n" + "".join(
        f"k{n},0.01,2026-01-{1 + n % 31:02d},{line_id},x\n" for n in range(2_500)))
    done = _portal(url, "usage", "import", str(big))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"accepted": 2_500, "replayed": 0, "rejected": []}
    assert len(await _stored(url)) == 2_500
