"""Usage through the billing run and the recording use cases, on both databases:
the worked example (1,000.00 USD/month at 20 % off, 1,500.00 used, ten hours at
6 of 4 units), one invoice with the recurring charge, once, refused records."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from billing.access.caller import Caller
from billing.access.rules import Forbidden
from billing.errors import ErrorCode
from billing.invoicing.usage_records import RecordedBurst, RecordedUsage, record_bursting, record_usage
from billing.rules.periods import BillingFrequency
from billing.rules.tax import TaxCategory
from models.accounts import Account, Role
from models.coverage import Coverage
from models.invoices import BilledCharge, Invoice, InvoiceTax
from models.orders import OrderLine
from models.terms import ChargeKind
from models.usage import BurstRecord, UsageRecord
from tests.support.invoicing import STAFF, activate, book, line, run_billing
from tests.support.invoicing import invoice_lines as _lines
from tests.support.invoicing import refused as _refused

D = date


_KEYS = itertools.count(1)


def usage(line_id: int, day: date, amount: Decimal, key: str | None = None) -> Awaitable[RecordedUsage]:
    """Record consumption as staff, with a fresh idempotency key unless one is given."""
    return record_usage(STAFF, line_id, day, amount, key if key is not None else f"usage-{next(_KEYS)}")


def burst(line_id: int, hour: datetime, units: int, key: str | None = None) -> Awaitable[RecordedBurst]:
    """Record an hour's bursting as staff, with a fresh idempotency key unless one is given."""
    return record_bursting(STAFF, line_id, hour, units, key if key is not None else f"burst-{next(_KEYS)}")


def _hour(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


async def _committed_line(account: Account, *, coverage: Coverage = Coverage.GLOBAL, monthly: str = "1000.00",
                          tax: TaxCategory = TaxCategory.STANDARD) -> OrderLine:
    _, (row,) = await book(
        account, [line("Compute", monthly, discount="0.2", subscribed_units=4, burst_price="0.50", tax=tax)],
        coverage=coverage, booked_on=D(2026, 1, 1), start=D(2026, 1, 1), end=D(2026, 12, 31),
        frequency=BillingFrequency.MONTHLY_IN_ADVANCE,
    )
    await activate(row, D(2026, 1, 1))
    return row


async def _worked_example_usage(row: OrderLine) -> None:
    for day in (5, 15, 25):
        await usage(row.id, D(2026, 1, day), Decimal("500.00"))
    for hour in range(10):
        await burst(row.id, _hour(10, hour), 6)


async def test_the_worked_example_is_invoiced_on_february_first_with_the_recurring_charge(account: Account) -> None:
    row = await _committed_line(account)
    (january,) = (await run_billing(D(2026, 1, 1))).issued
    await _worked_example_usage(row)
    assert (await run_billing(D(2026, 1, 31))).issued == []
    (february,) = (await run_billing(D(2026, 2, 1))).issued
    assert await _lines(february) == [
        ("Compute", ChargeKind.RECURRING, D(2026, 2, 1), D(2026, 2, 28), Decimal("1000.00")),
        ("Compute — overage", ChargeKind.OVERAGE, D(2026, 1, 1), D(2026, 1, 31), Decimal("200.00")),
        ("Compute — bursting", ChargeKind.BURSTING, D(2026, 1, 1), D(2026, 1, 31), Decimal("10.00")),
    ]
    invoice = await Invoice.get(number=february)
    assert (invoice.subtotal, invoice.total) == (Decimal("1210.00"), Decimal("1210.00"))
    assert [kind for _, kind, *_ in await _lines(january)] == [ChargeKind.RECURRING]


async def test_running_the_same_day_twice_bills_the_usage_once(account: Account) -> None:
    row = await _committed_line(account)
    await _worked_example_usage(row)
    first = await run_billing(D(2026, 2, 1))
    again = await run_billing(D(2026, 2, 1))
    later = await run_billing(D(2026, 2, 20))
    assert len(first.issued) == 1 and again.issued == [] and later.issued == []
    kinds = sorted(k.value for k in await BilledCharge.filter(period_start=D(2026, 1, 1)).values_list("kind", flat=True))
    assert kinds == ["BURSTING", "OVERAGE", "RECURRING"]


async def test_a_catch_up_run_bills_each_ended_month_on_one_invoice(account: Account) -> None:
    row = await _committed_line(account)
    await usage(row.id, D(2026, 1, 5), Decimal("1300.00"))
    await usage(row.id, D(2026, 2, 5), Decimal("1350.00"))
    await usage(row.id, D(2026, 3, 5), Decimal("9999.00"))  # March has not ended on March 2
    (number,) = (await run_billing(D(2026, 3, 2))).issued
    overage = [(start, amount) for _, kind, start, _, amount in await _lines(number) if kind is ChargeKind.OVERAGE]
    assert overage == [(D(2026, 1, 1), Decimal("40.00")), (D(2026, 2, 1), Decimal("80.00"))]


async def test_usage_within_the_commitment_adds_no_line(account: Account) -> None:
    row = await _committed_line(account)
    await run_billing(D(2026, 1, 1))
    await usage(row.id, D(2026, 1, 5), Decimal("1250.00"))
    (number,) = (await run_billing(D(2026, 2, 1))).issued
    assert [kind for _, kind, *_ in await _lines(number)] == [ChargeKind.RECURRING]


async def test_a_pay_as_you_go_line_is_billed_its_usage_at_the_discount(account: Account) -> None:
    _, (row,) = await book(account, [line("Functions", "0", discount="0.1")], booked_on=D(2026, 1, 1),
                           start=D(2026, 1, 1), end=D(2026, 12, 31), frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
    await activate(row, D(2026, 1, 1))
    await usage(row.id, D(2026, 1, 9), Decimal("123.45"))
    numbers = (await run_billing(D(2026, 1, 1))).issued + (await run_billing(D(2026, 2, 1))).issued
    amounts = [(kind, amount) for number in numbers for _, kind, _, _, amount in await _lines(number)]
    assert (ChargeKind.OVERAGE, Decimal("111.11")) in amounts  # 123.45 x 0.9 = 111.105 -> 111.11


async def test_jp_usage_is_taxed_with_the_recurring_charge_once_per_rate(account: Account) -> None:
    row = await _committed_line(account, coverage=Coverage.JP, monthly="100000")
    await run_billing(D(2026, 1, 1))
    await usage(row.id, D(2026, 1, 5), Decimal("130001"))  # list value 125000: overage 4000.8 -> 4001
    (number,) = (await run_billing(D(2026, 2, 1))).issued
    invoice = await Invoice.get(number=number)
    (tax,) = await InvoiceTax.filter(invoice_id=invoice.id)
    assert (tax.category, tax.taxable_amount, tax.tax_amount) == (TaxCategory.STANDARD, Decimal(104001), Decimal(10400))
    assert invoice.total == Decimal(114401)


async def test_usage_of_an_invoiced_month_is_refused_but_an_open_month_still_bills(account: Account) -> None:
    row = await _committed_line(account)
    await _worked_example_usage(row)
    await usage(row.id, D(2026, 2, 3), Decimal("100.00"))
    await run_billing(D(2026, 2, 1))
    assert await _refused(usage(row.id, D(2026, 1, 31), Decimal("1.00"))) == (
        ErrorCode.USAGE_ALREADY_INVOICED, "usedOn")
    assert await _refused(burst(row.id, _hour(31, 23), 5)) == (
        ErrorCode.USAGE_ALREADY_INVOICED, "hourStart")
    await usage(row.id, D(2026, 2, 27), Decimal("1200.00"))  # February: 1,300.00 in all
    (march,) = (await run_billing(D(2026, 3, 1))).issued
    assert ("Compute — overage", ChargeKind.OVERAGE, D(2026, 2, 1), D(2026, 2, 28), Decimal("40.00")) in await _lines(march)


async def test_a_second_report_of_an_hour_replaces_the_first(account: Account) -> None:
    row = await _committed_line(account)
    first = await burst(row.id, _hour(10, 0), 6)
    second = await burst(row.id, _hour(10, 0).astimezone(timezone(timedelta(hours=9))), 5)
    assert (first.replaced, second.replaced) == (False, True)
    reports = await BurstRecord.filter(order_line_id=row.id).order_by("id").values_list("total_units", flat=True)
    assert reports == [6, 5]  # both reports are kept (each under its own key); the latest one counts
    (number,) = (await run_billing(D(2026, 2, 1))).issued
    assert [amount for _, kind, *_, amount in await _lines(number) if kind is ChargeKind.BURSTING] == [Decimal("0.50")]


async def test_records_are_refused_with_the_field_at_fault(account: Account) -> None:
    row = await _committed_line(account)
    _, (plain,) = await book(account, [line("Storage", "10.00")], booked_on=D(2026, 1, 1), start=D(2026, 1, 1),
                             end=D(2026, 12, 31))
    await activate(plain, D(2026, 1, 10))
    refused = [
        await _refused(burst(row.id, _hour(10, 0), 9)),
        await _refused(burst(row.id, _hour(10, 0), 4)),
        await _refused(burst(row.id, _hour(10, 0) + timedelta(minutes=30), 5)),
        await _refused(burst(plain.id, _hour(10, 0), 5)),
        await _refused(usage(row.id, D(2026, 1, 5), Decimal("0.001"))),
        await _refused(usage(row.id, D(2026, 1, 5), Decimal("0"))),
        await _refused(usage(plain.id, D(2026, 1, 5), Decimal("1.00"))),
        await _refused(usage(row.id, D(2027, 1, 1), Decimal("1.00"))),
        await _refused(usage(0, D(2026, 1, 5), Decimal("1.00"))),
    ]
    assert refused == [
        (ErrorCode.BURST_LIMIT, "totalUnits"), (ErrorCode.INVALID, "totalUnits"), (ErrorCode.INVALID, "hourStart"),
        (ErrorCode.NOT_BURSTABLE, "lineId"), (ErrorCode.INVALID, "listAmount"), (ErrorCode.INVALID, "listAmount"),
        (ErrorCode.LINE_NOT_ACTIVE, "usedOn"), (ErrorCode.OUTSIDE_TERM, "usedOn"), (ErrorCode.NOT_FOUND, "lineId"),
    ]
    assert await BurstRecord.all().count() == 0


async def test_only_staff_record_usage(account: Account) -> None:
    row = await _committed_line(account)
    owner = Caller("owner", frozenset({"billing:read", "billing:write"}), "test", account.id, Role.OWNER)
    with pytest.raises(Forbidden, match="Only staff record usage"):
        await record_usage(owner, row.id, D(2026, 1, 5), Decimal("1.00"), "k-1")
    assert await UsageRecord.all().count() == 0


async def test_a_jpy_list_amount_has_no_decimals(account: Account) -> None:
    row = await _committed_line(account, coverage=Coverage.JP, monthly="100000")
    assert await _refused(usage(row.id, D(2026, 1, 5), Decimal("1.5"))) == (ErrorCode.INVALID, "listAmount")
    assert (await usage(row.id, D(2026, 1, 5), Decimal("15"))).record.list_amount == Decimal(15)


async def test_recorded_usage_keeps_the_activation_from_moving_past_it(account: Account) -> None:
    row = await _committed_line(account)
    await burst(row.id, _hour(10, 0), 5)
    await activate(row, D(2026, 1, 10))  # still covers the hour recorded
    assert await _refused(activate(row, D(2026, 1, 11))) == (ErrorCode.INVALID, "activatedOn")
    await usage(row.id, D(2026, 1, 10), Decimal("1.00"))
    assert await _refused(activate(row, D(2026, 1, 11))) == (ErrorCode.INVALID, "activatedOn")
