"""One bad subscription never stops a billing run: the run records the failure,
bills every other unit, and the failed one is billed by a later run."""

from __future__ import annotations

from datetime import date as D

from tortoise.context import TortoiseContext

from billing.accounts import create_account
from models.accounts import Account
from models.billing_runs import BillingFailure
from models.invoices import BilledCharge, Invoice
from models.outbox import OutboxMessage
from tests.support.invoicing import activate, book, line, run_billing


async def _subscription(account: Account) -> int:
    _, (row,) = await book(account, [line("X", "10.00")], booked_on=D(2026, 3, 1), start=D(2026, 3, 1),
                           end=D(2027, 2, 28))
    await activate(row, D(2026, 3, 1))
    return row.subscription_id


async def _poison(db: TortoiseContext, backend: str, subscription_id: int) -> None:
    """Make the database itself refuse an invoice of one subscription (a real failure
    inside the issuing transaction, not a mock)."""
    if backend == "sqlite":
        await db.db().execute_script(
            f"CREATE TRIGGER poison BEFORE INSERT ON invoices WHEN NEW.subscription_id = {subscription_id} "
            "BEGIN SELECT RAISE(ABORT, 'poisoned subscription'); END;"
        )
    else:
        await db.db().execute_script(
            "CREATE OR REPLACE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.subscription_id = {subscription_id} THEN RAISE EXCEPTION 'poisoned subscription'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql; "
            "CREATE TRIGGER poison BEFORE INSERT ON invoices FOR EACH ROW EXECUTE FUNCTION poison();"
        )


async def _cure(db: TortoiseContext, backend: str) -> None:
    if backend == "sqlite":
        await db.db().execute_script("DROP TRIGGER IF EXISTS poison;")
    else:
        await db.db().execute_script("DROP TRIGGER IF EXISTS poison ON invoices; DROP FUNCTION IF EXISTS poison();")


async def test_a_poisoned_subscription_is_reported_and_every_other_one_is_billed(
    db: TortoiseContext, backend: str, account: Account
) -> None:
    first = await _subscription(account)
    poisoned = await _subscription(await create_account("Poisoned Inc.", "p-owner"))
    last = await _subscription(await create_account("Third Co.", "t-owner"))
    await _poison(db, backend, poisoned)
    try:
        report = await run_billing(D(2026, 3, 1))
    finally:
        await _cure(db, backend)

    assert [f.subscription_ids for f in report.failures] == [(poisoned,)]
    assert "poisoned subscription" in report.failures[0].error
    assert report.issued == ["GL-2026-000001", "GL-2026-000002"], "the others are billed, numbers stay gapless"
    assert sorted(await Invoice.all().values_list("subscription_id", flat=True)) == sorted([first, last])
    (kept,) = await BillingFailure.all()
    assert (kept.as_of, kept.subscription_ids) == (D(2026, 3, 1), [poisoned])
    assert await OutboxMessage.filter(kind="invoice_issued").count() == 2, "nothing of the failed unit was written"
    assert await BilledCharge.filter(order_line__subscription_id=poisoned).count() == 0

    retried = await run_billing(D(2026, 3, 2))
    assert retried.failures == [] and retried.issued == ["GL-2026-000003"]
    assert (await Invoice.get(number="GL-2026-000003")).subscription_id == poisoned
