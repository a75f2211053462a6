"""Bulk ingestion of consumption (``record_usage_batch``), on both databases: each
record is accepted, replayed or rejected on its own with the same rules as one
``record_usage``; the valid ones are stored together."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.access.caller import Caller
from billing.access.rules import Forbidden
from billing.errors import BusinessError, ErrorCode
from billing.invoicing.usage_batch import MAX_BATCH, Disposition, UsageInput, record_usage_batch
from billing.invoicing.usage_records import record_usage
from billing.rules.periods import BillingFrequency
from models.accounts import Account, Role
from models.invoices import Invoice, InvoiceLine
from models.orders import OrderLine
from models.terms import ChargeKind
from models.usage import UsageRecord
from tests.support.invoicing import STAFF, activate, book, line, run_billing

D = date


async def _line(account: Account, product: str = "Compute", *, activated: date | None = D(2026, 1, 1)) -> OrderLine:
    _, (row,) = await book(account, [line(product, "1000.00", discount="0.2")], booked_on=D(2026, 1, 1),
                           start=D(2026, 1, 1), end=D(2026, 12, 31), frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
    if activated is not None:
        await activate(row, activated)
    return row


def _use(line_id: int, day: date, amount: str, key: str) -> UsageInput:
    return UsageInput(line_id, day, Decimal(amount), key)


async def test_a_batch_accepts_replays_and_rejects_each_record_on_its_own(account: Account) -> None:
    row, late, invoiced = await _line(account), await _line(account, "Late", activated=D(2026, 1, 20)), await _line(
        account, "Old")
    await record_usage(STAFF, row.id, D(2026, 1, 3), Decimal("5.00"), "sent-before")
    await record_usage(STAFF, invoiced.id, D(2026, 1, 3), Decimal("2000.00"), "old-1")
    await run_billing(D(2026, 2, 1))  # invoices the overage of "Old" for January
    records = [
        _use(row.id, D(2026, 2, 1), "100.00", "a"),  # 0 accepted
        _use(row.id, D(2026, 1, 3), "5.00", "sent-before"),  # 1 replayed (stored by an earlier call)
        _use(row.id, D(2026, 1, 3), "6.00", "sent-before"),  # 2 same key, other values
        _use(row.id, D(2026, 2, 2), "0.001", "b"),  # 3 not in whole cents
        _use(0, D(2026, 2, 2), "1.00", "c"),  # 4 no such line
        _use(late.id, D(2026, 1, 19), "1.00", "d"),  # 5 before the activation
        _use(row.id, D(2027, 1, 1), "1.00", "e"),  # 6 after the term
        _use(invoiced.id, D(2026, 1, 30), "1.00", "f"),  # 7 January's overage is invoiced
        _use(row.id, D(2026, 2, 1), "100.00", "a"),  # 8 repeats record 0: replayed
        _use(row.id, D(2026, 2, 1), "200.00", "a"),  # 9 repeats record 0's key with other values
        _use(row.id, D(2026, 2, 3), "1.00", ""),  # 10 no key
        _use(late.id, D(2026, 2, 3), "300.00", "a"),  # 11 the same key on another line is another record
        _use(row.id, D(2026, 2, 3), "0", "g\n"),  # 12 two errors
    ]
    report = await record_usage_batch(STAFF, records)
    summary = [(o.disposition.value[:3], [(e.code.value, e.field) for e in o.errors]) for o in report.outcomes]
    assert summary == [
        ("ACC", []), ("REP", []), ("REJ", [("IDEMPOTENCY_KEY_REUSED", "records.2.idempotencyKey")]),
        ("REJ", [("INVALID", "records.3.listAmount")]), ("REJ", [("NOT_FOUND", "records.4.lineId")]),
        ("REJ", [("LINE_NOT_ACTIVE", "records.5.usedOn")]), ("REJ", [("OUTSIDE_TERM", "records.6.usedOn")]),
        ("REJ", [("USAGE_ALREADY_INVOICED", "records.7.usedOn")]), ("REP", []),
        ("REJ", [("IDEMPOTENCY_KEY_REUSED", "records.9.idempotencyKey")]),
        ("REJ", [("REQUIRED", "records.10.idempotencyKey")]), ("ACC", []),
        ("REJ", [("INVALID", "records.12.idempotencyKey"), ("INVALID", "records.12.listAmount")]),
    ]
    assert (report.count(Disposition.ACCEPTED), report.count(Disposition.REPLAYED), report.count(Disposition.REJECTED)) == (
        2, 2, 9)
    accepted, replayed = report.outcomes[0].usage, report.outcomes[8].usage
    assert accepted is not None and replayed is not None and replayed.record.id == accepted.record.id
    assert replayed.replayed and not accepted.replayed
    assert report.outcomes[1].usage is not None and report.outcomes[1].usage.record.list_amount == Decimal("5.00")
    stored = await UsageRecord.filter(used_on__gte=D(2026, 2, 1)).order_by("id").values_list("order_line_id", "idempotency_key")
    assert stored == [(row.id, "a"), (late.id, "a")]
    again = await record_usage_batch(STAFF, records[:1] + records[11:12])
    assert [o.disposition for o in again.outcomes] == [Disposition.REPLAYED, Disposition.REPLAYED]


async def test_the_records_of_a_batch_are_billed_like_single_records(account: Account) -> None:
    lines = [await _line(account, f"P{n}") for n in range(3)]
    records = [_use(lines[n % 3].id, D(2026, 1, 1 + n % 28), "25.00", f"k{n}") for n in range(180)]  # 1,500.00 per line
    report = await record_usage_batch(STAFF, records)
    assert report.count(Disposition.ACCEPTED) == 180
    issued = (await run_billing(D(2026, 1, 1))).issued + (await run_billing(D(2026, 2, 1))).issued
    overage = [
        row.amount for number in issued for row in await InvoiceLine.filter(invoice_id=(await Invoice.get(number=number)).id)
        if row.kind is ChargeKind.OVERAGE
    ]
    assert overage == [Decimal("200.00")] * 3


async def test_a_batch_is_at_most_1000_records_and_only_staff_send_one(account: Account) -> None:
    row = await _line(account)
    too_many = [_use(row.id, D(2026, 1, 5), "1.00", f"k{n}") for n in range(MAX_BATCH + 1)]
    with pytest.raises(BusinessError) as refused:
        await record_usage_batch(STAFF, too_many)
    assert [(e.code, e.field) for e in refused.value.errors] == [(ErrorCode.INVALID, "records")]
    assert await UsageRecord.all().count() == 0
    assert (await record_usage_batch(STAFF, too_many[:MAX_BATCH])).count(Disposition.ACCEPTED) == MAX_BATCH
    assert (await record_usage_batch(STAFF, [])).outcomes == []
    owner = Caller("owner", frozenset({"billing:read", "billing:write"}), "test", account.id, Role.OWNER)
    with pytest.raises(Forbidden):
        await record_usage_batch(owner, too_many[:1])
