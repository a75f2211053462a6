"""Service continued after the term end, and the price list, on both databases:
post-term hours are billed at the list price in force at each hour, monthly in
arrears on the subscription's invoice; bursting reads the price list too."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from billing.access.caller import Caller
from billing.access.rules import Forbidden
from billing.errors import BusinessError, ErrorCode
from billing.invoicing.prices import list_prices, set_list_price
from billing.invoicing.run import candidate_subscriptions
from billing.invoicing.usage_records import (
    RecordedPostTerm,
    record_bursting,
    record_post_term_usage,
    record_usage,
)
from billing.rules.periods import BillingFrequency
from kit.money import Currency
from models.accounts import Account, Role
from models.invoices import BilledCharge, Invoice, InvoiceLine
from models.orders import OrderLine
from models.terms import ChargeKind
from models.usage import PostTermRecord
from tests.support.invoicing import STAFF, activate, book, line, run_billing
from tests.support.invoicing import invoice_lines as _lines
from tests.support.invoicing import refused as _refused

D = date
_KEYS = itertools.count(1)


def _at(month: int, day: int, hour: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def _post_term(line_id: int, hour: datetime, units: int, key: str | None = None) -> RecordedPostTerm:
    return await record_post_term_usage(STAFF, line_id, hour, units, key if key is not None else f"pt-{next(_KEYS)}")


async def _january_line(account: Account, product: str = "Compute", **terms: object) -> OrderLine:
    """A line whose one-month term (January 2026) has ended by February."""
    _, (row,) = await book(account, [line(product, "100.00", **terms)], booked_on=D(2026, 1, 1), start=D(2026, 1, 1),  # type: ignore[arg-type]
                           end=D(2026, 1, 31), frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
    await activate(row, D(2026, 1, 1))
    return row


async def _prices(product: str = "Compute") -> None:
    await set_list_price(STAFF, product, Currency.USD, Decimal("0.125"), _at(1, 1, 0))
    await set_list_price(STAFF, product, Currency.USD, Decimal("0.135"), _at(2, 10, 0))


async def test_post_term_use_is_billed_at_the_price_in_force_at_each_hour_on_the_next_months_invoice(
    account: Account,
) -> None:
    row = await _january_line(account)
    await _prices()
    (january,) = (await run_billing(D(2026, 1, 1))).issued
    first = await _post_term(row.id, _at(2, 9, 23), 3)  # 3 x 0.125
    await _post_term(row.id, _at(2, 10, 0), 3)  # 3 x 0.135: the new price is in force from this hour
    await _post_term(row.id, _at(2, 10, 1), 1)  # 1 x 0.135
    assert (first.unit_hour_price, first.currency, first.replaced, first.replayed) == (
        Decimal("0.125"), Currency.USD, False, False)
    assert row.subscription_id in await candidate_subscriptions(D(2026, 3, 1))  # the term has ended, the line is active
    assert (await run_billing(D(2026, 2, 28))).issued == []  # February has not ended
    (march,) = (await run_billing(D(2026, 3, 1))).issued
    # 0.375 + 0.405 + 0.135 = 0.915, rounded half-up once for the month: 0.92
    assert await _lines(march) == [
        ("Compute — after the term", ChargeKind.POST_TERM, D(2026, 2, 1), D(2026, 2, 28), Decimal("0.92")),
    ]
    invoice = await Invoice.get(number=march)
    assert (invoice.subscription_id, invoice.total) == (row.subscription_id, Decimal("0.92"))
    assert (await InvoiceLine.get(invoice_id=invoice.id)).description == (
        "Hourly use after the term end, at the list price in force at each hour")
    assert (await run_billing(D(2026, 3, 1))).issued == [] and (await run_billing(D(2026, 3, 2))).issued == []
    assert await BilledCharge.filter(kind=ChargeKind.POST_TERM).count() == 1
    assert [kind for _, kind, *_ in await _lines(january)] == [ChargeKind.RECURRING]
    assert await _refused(_post_term(row.id, _at(2, 28, 23), 1)) == (ErrorCode.USAGE_ALREADY_INVOICED, "hourStart")
    await _post_term(row.id, _at(3, 1, 0), 8)  # March is still open
    (april,) = (await run_billing(D(2026, 4, 1))).issued
    assert [(k, start, amount) for _, k, start, _, amount in await _lines(april)] == [
        (ChargeKind.POST_TERM, D(2026, 3, 1), Decimal("1.08"))]


async def test_the_month_the_term_ends_is_billed_after_the_term_for_the_days_after_it(account: Account) -> None:
    _, (row,) = await book(account, [line("Compute", "100.00")], booked_on=D(2026, 1, 1), start=D(2026, 1, 1),
                           end=D(2026, 1, 15), frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
    await activate(row, D(2026, 1, 1))
    await _prices()
    await _post_term(row.id, _at(1, 16, 0), 4)  # the first hour after the term: 4 x 0.125
    (number,) = (await run_billing(D(2026, 2, 1))).issued
    assert ("Compute — after the term", ChargeKind.POST_TERM, D(2026, 1, 16), D(2026, 1, 31), Decimal("0.50")) in (
        await _lines(number))


async def test_a_later_report_of_an_hour_replaces_the_earlier_and_a_replay_changes_nothing(account: Account) -> None:
    row = await _january_line(account)
    await _prices()
    await run_billing(D(2026, 1, 1))
    await _post_term(row.id, _at(2, 3, 5), 10, key="a")
    later = await _post_term(row.id, _at(2, 3, 5), 2, key="b")
    replay = await _post_term(row.id, _at(2, 3, 5), 10, key="a")  # a late retry of the first report
    assert (later.replaced, replay.replayed, replay.record.units, replay.replaced) == (True, True, 10, False)
    assert await PostTermRecord.filter(order_line_id=row.id).count() == 2
    (march,) = (await run_billing(D(2026, 3, 1))).issued
    assert [amount for *_, amount in await _lines(march)] == [Decimal("0.25")]  # 2 x 0.125: the latest report


async def test_post_term_records_are_refused_with_the_field_at_fault(account: Account) -> None:
    row = await _january_line(account)
    _, (idle,) = await book(account, [line("Storage", "10.00")], booked_on=D(2026, 1, 1), start=D(2026, 1, 1),
                            end=D(2026, 1, 31))
    await _prices()
    refused = [
        await _refused(_post_term(row.id, _at(1, 31, 23), 1)),  # the last hour of the term
        await _refused(_post_term(row.id, _at(2, 1, 0) + timedelta(minutes=30), 1)),
        await _refused(_post_term(row.id, _at(2, 1, 0), -1)),
        await _refused(_post_term(row.id, _at(2, 1, 0), 1_000_001)),
        await _refused(_post_term(idle.id, _at(2, 1, 0), 1)),  # never activated
        await _refused(_post_term(0, _at(2, 1, 0), 1)),
        await _refused(_post_term(row.id, _at(2, 1, 0), 1, key="")),
        await _refused(_post_term(row.id, _at(2, 1, 0), 1, key="x" * 101)),
        await _refused(_post_term(row.id, _at(2, 1, 0), 1, key="naïve")),
    ]
    assert refused == [
        (ErrorCode.NOT_AFTER_TERM, "hourStart"), (ErrorCode.INVALID, "hourStart"), (ErrorCode.INVALID, "units"),
        (ErrorCode.INVALID, "units"), (ErrorCode.LINE_NOT_ACTIVE, "hourStart"), (ErrorCode.NOT_FOUND, "lineId"),
        (ErrorCode.REQUIRED, "idempotencyKey"), (ErrorCode.TOO_LONG, "idempotencyKey"),
        (ErrorCode.INVALID, "idempotencyKey"),
    ]
    assert await PostTermRecord.all().count() == 0


async def test_an_hour_without_a_list_price_in_force_is_refused(account: Account) -> None:
    row = await _january_line(account, product="Edge")
    await set_list_price(STAFF, "Edge", Currency.JPY, Decimal(12), _at(1, 1, 0))  # another currency
    await set_list_price(STAFF, "Edge", Currency.USD, Decimal("0.2"), _at(2, 5, 0))
    assert await _refused(_post_term(row.id, _at(2, 4, 23), 1)) == (ErrorCode.NO_LIST_PRICE, "hourStart")
    assert (await _post_term(row.id, _at(2, 5, 0), 1)).unit_hour_price == Decimal("0.2")


async def test_usage_after_the_term_is_not_taken_as_daily_usage_or_bursting(account: Account) -> None:
    row = await _january_line(account, subscribed_units=4, burst_price="0.50")
    with pytest.raises(BusinessError) as refused:
        await record_usage(STAFF, row.id, D(2026, 2, 1), Decimal("1.00"), "d-1")
    (error,) = refused.value.errors
    assert (error.code, error.field) == (ErrorCode.OUTSIDE_TERM, "usedOn") and "recordPostTermUsage" in error.message
    assert await _refused(record_bursting(STAFF, row.id, _at(2, 1, 0), 5, "b-1")) == (ErrorCode.OUTSIDE_TERM, "hourStart")


async def test_bursting_is_billed_at_the_price_list_price_in_force_at_each_hour(account: Account) -> None:
    _, (row,) = await book(account, [line("Compute", "1000.00", subscribed_units=4, burst_price="0.50")],
                           booked_on=D(2026, 1, 1), start=D(2026, 1, 1), end=D(2026, 12, 31),
                           frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
    await activate(row, D(2026, 1, 1))
    await set_list_price(STAFF, "Compute", Currency.USD, Decimal("0.40"), _at(1, 10, 12))
    await set_list_price(STAFF, "Compute", Currency.JPY, Decimal("60"), _at(1, 1, 0))  # not this line's currency
    before = await record_bursting(STAFF, row.id, _at(1, 10, 10), 6, "h10")  # no list price yet: the line's 0.50
    await record_bursting(STAFF, row.id, _at(1, 10, 11), 6, "h11")
    after = await record_bursting(STAFF, row.id, _at(1, 10, 12), 6, "h12")  # 0.40 from the price list
    await record_bursting(STAFF, row.id, _at(1, 10, 13), 6, "h13")
    assert (before.unit_hour_price, after.unit_hour_price) == (Decimal("0.50"), Decimal("0.40"))
    (february,) = (await run_billing(D(2026, 2, 1))).issued
    bursting = [(start, amount) for _, kind, start, _, amount in await _lines(february) if kind is ChargeKind.BURSTING]
    assert bursting == [(D(2026, 1, 1), Decimal("3.60"))]  # 2 h x 2 units x 0.50 + 2 h x 2 units x 0.40


async def test_a_price_entered_late_for_past_hours_counts_until_their_month_is_invoiced(account: Account) -> None:
    row = await _january_line(account)
    await run_billing(D(2026, 1, 1))
    await set_list_price(STAFF, "Compute", Currency.USD, Decimal("0.10"), _at(1, 1, 0))
    await _post_term(row.id, _at(2, 20, 0), 10)
    await set_list_price(STAFF, "Compute", Currency.USD, Decimal("0.30"), _at(2, 15, 0))  # announced late
    (march,) = (await run_billing(D(2026, 3, 1))).issued
    assert [amount for *_, amount in await _lines(march)] == [Decimal("3.00")]


async def test_staff_set_and_read_the_price_list(account: Account) -> None:
    first = await set_list_price(STAFF, " Compute ", Currency.USD, Decimal("0.125"), datetime(2026, 1, 1))  # naive: UTC
    await set_list_price(STAFF, "Compute", Currency.JPY, Decimal(18), _at(1, 1, 0))
    await set_list_price(STAFF, "Compute", Currency.USD, Decimal("0.2"), _at(3, 1, 0))
    again = await set_list_price(STAFF, "Compute", Currency.USD, Decimal("0.15"), _at(3, 1, 0))  # replaces that entry
    assert (first.product, first.effective_from) == ("Compute", _at(1, 1, 0))
    assert again.unit_hour_price == Decimal("0.15")
    listed = [(p.currency, p.effective_from, p.unit_hour_price) for p in await list_prices(STAFF, "Compute")]
    assert listed == [(Currency.JPY, _at(1, 1, 0), Decimal(18)), (Currency.USD, _at(1, 1, 0), Decimal("0.125")),
                      (Currency.USD, _at(3, 1, 0), Decimal("0.15"))]
    assert len(await list_prices(STAFF, "Compute", Currency.USD)) == 2
    assert len(await list_prices(STAFF, "Compute\u0301")) == 0  # another product ("Computé" once in NFC)
    for nameless in ("x" * 101, "Com\x00pute", "\ud800"):  # no product is named so: nothing is asked of the database
        assert await list_prices(STAFF, nameless) == []
    refused = [
        await _refused(set_list_price(STAFF, " ", Currency.USD, Decimal(1), _at(1, 1, 0))),
        await _refused(set_list_price(STAFF, "x" * 101, Currency.USD, Decimal(1), _at(1, 1, 0))),
        await _refused(set_list_price(STAFF, "Com\x00pute", Currency.USD, Decimal(1), _at(1, 1, 0))),
        await _refused(set_list_price(STAFF, "Compute\u202e", Currency.USD, Decimal(1), _at(1, 1, 0))),
        await _refused(set_list_price(STAFF, "Compute", Currency.USD, Decimal(0), _at(1, 1, 0))),
        await _refused(set_list_price(STAFF, "Compute", Currency.USD, Decimal("0.0000001"), _at(1, 1, 0))),
        await _refused(set_list_price(STAFF, "Compute", Currency.USD, Decimal(1), _at(1, 1, 0) + timedelta(minutes=1))),
    ]
    assert refused == [(ErrorCode.REQUIRED, "product"), (ErrorCode.TOO_LONG, "product"),
                       (ErrorCode.INVALID, "product"), (ErrorCode.INVALID, "product"),
                       (ErrorCode.INVALID, "unitHourPrice"), (ErrorCode.INVALID, "unitHourPrice"),
                       (ErrorCode.INVALID, "effectiveFrom")]
    owner = Caller("owner", frozenset({"billing:read", "billing:write"}), "test", account.id, Role.OWNER)
    with pytest.raises(Forbidden):
        await set_list_price(owner, "Compute", Currency.USD, Decimal(1), _at(1, 1, 0))
    with pytest.raises(Forbidden):
        await list_prices(owner, "Compute")
