"""Retried usage is never billed twice, on both databases: a record sent again
with its idempotency key is a no-op answering the first one, the same key with
other values is refused, and concurrent duplicates store one row (PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from billing.errors import BusinessError, ErrorCode
from billing.invoicing.prices import set_list_price
from billing.invoicing.usage_batch import Disposition, UsageInput, record_usage_batch
from billing.invoicing.usage_checks import insert_once
from billing.invoicing.usage_records import record_bursting, record_post_term_usage, record_usage
from billing.rules.periods import BillingFrequency
from kit.money import Currency
from models.accounts import Account
from models.invoices import Invoice, InvoiceLine
from models.orders import OrderLine
from models.terms import ChargeKind
from models.usage import BurstRecord, PostTermRecord, UsageRecord
from tests.support.invoicing import STAFF, activate, book, line, run_billing
from tests.support.invoicing import refused as _refused

D = date


def _hour(day: int, hour: int, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def _line(account: Account, *, end: date = D(2026, 12, 31)) -> OrderLine:
    _, (row,) = await book(
        account, [line("Compute", "1000.00", discount="0.2", subscribed_units=4, burst_price="0.50")],
        booked_on=D(2026, 1, 1), start=D(2026, 1, 1), end=end, frequency=BillingFrequency.MONTHLY_IN_ADVANCE,
    )
    await activate(row, D(2026, 1, 1))
    return row


async def _usage_lines(number: str) -> dict[ChargeKind, Decimal]:
    invoice = await Invoice.get(number=number)
    rows = await InvoiceLine.filter(invoice_id=invoice.id)
    return {row.kind: row.amount for row in rows if row.kind is not ChargeKind.RECURRING}


async def test_usage_sent_twice_with_one_key_is_recorded_and_billed_once(account: Account) -> None:
    row = await _line(account)
    first = await record_usage(STAFF, row.id, D(2026, 1, 5), Decimal("1500.00"), "meter-7:2026-01-05")
    retry = await record_usage(STAFF, row.id, D(2026, 1, 5), Decimal("1500.0"), "meter-7:2026-01-05")
    assert (first.replayed, retry.replayed, retry.record.id) == (False, True, first.record.id)
    assert await UsageRecord.filter(order_line_id=row.id).count() == 1
    (february,) = (await run_billing(D(2026, 2, 1))).issued
    assert (await _usage_lines(february))[ChargeKind.OVERAGE] == Decimal("200.00")  # (1,500 - 1,250) x 0.8, once
    replay_after_invoicing = await record_usage(STAFF, row.id, D(2026, 1, 5), Decimal("1500.00"), "meter-7:2026-01-05")
    assert replay_after_invoicing.record.id == first.record.id  # answered, not USAGE_ALREADY_INVOICED


async def test_bursting_and_post_term_use_sent_twice_are_recorded_once(account: Account) -> None:
    row = await _line(account, end=D(2026, 1, 31))
    await set_list_price(STAFF, "Compute", Currency.USD, Decimal("0.5"), _hour(1, 0))
    first = await record_bursting(STAFF, row.id, _hour(10, 3), 6, "b-1")
    retry = await record_bursting(STAFF, row.id, _hour(10, 3), 6, "b-1")
    assert (retry.replayed, retry.record.id, retry.replaced) == (True, first.record.id, False)
    after = await record_post_term_usage(STAFF, row.id, _hour(2, 0, month=2), 3, "p-1")
    again = await record_post_term_usage(STAFF, row.id, _hour(2, 0, month=2), 3, "p-1")
    assert (again.replayed, again.record.id) == (True, after.record.id)
    assert (await BurstRecord.all().count(), await PostTermRecord.all().count()) == (1, 1)
    await run_billing(D(2026, 2, 1))
    (march,) = (await run_billing(D(2026, 3, 1))).issued
    assert await _usage_lines(march) == {ChargeKind.POST_TERM: Decimal("1.50")}


async def test_a_key_sent_again_with_other_values_is_refused(account: Account) -> None:
    row = await _line(account, end=D(2026, 1, 31))
    await set_list_price(STAFF, "Compute", Currency.USD, Decimal("0.5"), _hour(1, 0))
    await record_usage(STAFF, row.id, D(2026, 1, 5), Decimal("10.00"), "k")
    await record_bursting(STAFF, row.id, _hour(10, 3), 6, "k")  # keys are per kind of record and per line
    await record_post_term_usage(STAFF, row.id, _hour(2, 0, month=2), 3, "k")
    refused = [
        await _refused(record_usage(STAFF, row.id, D(2026, 1, 5), Decimal("10.01"), "k")),
        await _refused(record_usage(STAFF, row.id, D(2026, 1, 6), Decimal("10.00"), "k")),
        await _refused(record_bursting(STAFF, row.id, _hour(10, 3), 7, "k")),
        await _refused(record_bursting(STAFF, row.id, _hour(10, 4), 6, "k")),
        await _refused(record_post_term_usage(STAFF, row.id, _hour(2, 0, month=2), 4, "k")),
    ]
    assert refused == [(ErrorCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")] * 5
    assert (await UsageRecord.all().count(), await BurstRecord.all().count(), await PostTermRecord.all().count()) == (
        1, 1, 1)


async def test_one_key_on_two_lines_is_two_records(account: Account) -> None:
    one, other = await _line(account), await _line(account)
    await record_usage(STAFF, one.id, D(2026, 1, 5), Decimal("10.00"), "k")
    second = await record_usage(STAFF, other.id, D(2026, 1, 5), Decimal("10.00"), "k")
    assert not second.replayed and await UsageRecord.all().count() == 2


async def test_a_replayed_bursting_report_does_not_undo_a_later_report_of_its_hour(account: Account) -> None:
    row = await _line(account)
    await record_bursting(STAFF, row.id, _hour(10, 3), 8, "first")
    later = await record_bursting(STAFF, row.id, _hour(10, 3), 5, "second")
    late_retry = await record_bursting(STAFF, row.id, _hour(10, 3), 8, "first")
    assert (later.replaced, late_retry.replayed, late_retry.record.total_units) == (True, True, 8)
    (february,) = (await run_billing(D(2026, 2, 1))).issued
    assert (await _usage_lines(february))[ChargeKind.BURSTING] == Decimal("0.50")  # (5 - 4) x 0.50: the later report


@pytest.mark.parametrize(
    ("key", "code"),
    [("", ErrorCode.REQUIRED), ("k" * 101, ErrorCode.TOO_LONG), ("tab\there", ErrorCode.INVALID),
     ("clé", ErrorCode.INVALID), ("line\n", ErrorCode.INVALID)],
)
async def test_an_idempotency_key_is_1_to_100_printable_ascii_characters(account: Account, key: str, code: ErrorCode) -> None:
    row = await _line(account)
    assert await _refused(record_usage(STAFF, row.id, D(2026, 1, 5), Decimal("1.00"), key)) == (code, "idempotencyKey")
    assert await _refused(record_bursting(STAFF, row.id, _hour(10, 3), 5, key)) == (code, "idempotencyKey")
    for fine in ("~" * 100, "a key with spaces: 2026-01-05 #7"):
        assert not (await record_usage(STAFF, row.id, D(2026, 1, 5), Decimal("1.00"), fine)).replayed


async def test_the_database_refuses_a_second_row_with_one_key_on_one_line(account: Account) -> None:
    row = await _line(account)
    await UsageRecord.create(order_line_id=row.id, used_on=D(2026, 1, 5), list_amount=Decimal(1), idempotency_key="k",
                             recorded_by="x")
    with pytest.raises(IntegrityError):
        await UsageRecord.create(order_line_id=row.id, used_on=D(2026, 1, 5), list_amount=Decimal(1),
                                 idempotency_key="k", recorded_by="x")


async def test_a_conflicting_insert_does_not_abort_the_transaction(account: Account) -> None:
    """What a duplicate stored by a concurrent writer between the key lookup and the
    insert does: ON CONFLICT DO NOTHING, then the stored row is compared."""
    row = await _line(account)

    def same(amount: str):
        return lambda stored: stored.list_amount == Decimal(amount)

    async with in_transaction():
        await UsageRecord.create(order_line_id=row.id, used_on=D(2026, 1, 5), list_amount=Decimal(7),
                                 idempotency_key="k", recorded_by="other writer")
        duplicate = UsageRecord(order_line_id=row.id, used_on=D(2026, 1, 5), list_amount=Decimal(7),
                                idempotency_key="k", recorded_by="me")
        assert (await insert_once(duplicate, same("7"))).recorded_by == "other writer"
        conflicting = UsageRecord(order_line_id=row.id, used_on=D(2026, 1, 5), list_amount=Decimal(8),
                                  idempotency_key="k", recorded_by="me")
        with pytest.raises(BusinessError) as refused:
            await insert_once(conflicting, same("8"))
        assert refused.value.errors[0].code is ErrorCode.IDEMPOTENCY_KEY_REUSED
        await UsageRecord.create(order_line_id=row.id, used_on=D(2026, 1, 6), list_amount=Decimal(1),
                                 idempotency_key="after", recorded_by="me")  # the transaction is still usable
    assert await UsageRecord.all().count() == 2


async def test_concurrent_duplicates_store_one_record(account: Account, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises transactions in-process)")
    row = await _line(account)
    await set_list_price(STAFF, "Compute", Currency.USD, Decimal("0.5"), _hour(1, 0))
    usage = await asyncio.gather(
        *(record_usage(STAFF, row.id, D(2026, 1, 5), Decimal("1500.00"), "same") for _ in range(12)))
    bursts = await asyncio.gather(*(record_bursting(STAFF, row.id, _hour(10, 3), 6, "same") for _ in range(12)))
    batches = await asyncio.gather(*(
        record_usage_batch(STAFF, [UsageInput(row.id, D(2026, 1, 6), Decimal("1.00"), f"batch-{n}") for n in range(50)])
        for _ in range(6)
    ))
    assert sorted(r.replayed for r in usage) == [False] + [True] * 11
    assert len({r.record.id for r in usage}) == 1 and len({r.record.id for r in bursts}) == 1
    assert sum(report.count(Disposition.ACCEPTED) for report in batches) == 50
    assert sum(report.count(Disposition.REPLAYED) for report in batches) == 250
    assert (await UsageRecord.filter(used_on=D(2026, 1, 5)).count(), await BurstRecord.all().count()) == (1, 1)
    assert await UsageRecord.filter(used_on=D(2026, 1, 6)).count() == 50
    (february,) = (await run_billing(D(2026, 2, 1))).issued
    assert await _usage_lines(february) == {ChargeKind.OVERAGE: Decimal("240.00"), ChargeKind.BURSTING: Decimal("1.00")}
