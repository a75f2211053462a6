"""Every amount, quantity, date and text of an order is bounded at the edge, so no
order can later make a billing run overflow or fail."""

from __future__ import annotations

from datetime import date as D
from decimal import Decimal

import pytest

from billing.errors import BusinessError, ErrorCode
from models.accounts import Account
from models.invoices import Invoice
from models.orders import Order
from tests.support.invoicing import book, line


async def _refused(account: Account, lines: list, **terms: object) -> list[tuple[ErrorCode, str | None]]:
    start = terms.pop("start", D(2026, 3, 1))
    end = terms.pop("end", D(2027, 2, 28))
    booked_on = terms.pop("booked_on", D(2026, 3, 1))
    with pytest.raises(BusinessError) as refused:
        await book(account, lines, booked_on=booked_on, start=start, end=end, **terms)  # type: ignore[arg-type]
    return [(e.code, e.field) for e in refused.value.errors]


@pytest.mark.parametrize(
    ("product", "monthly", "quantity", "expected"),
    [
        ("X", "100000000.00", 1, (ErrorCode.INVALID, "lines.0.monthlyAmount")),
        ("X", "9" * 30, 1, (ErrorCode.INVALID, "lines.0.monthlyAmount")),
        ("X", "NaN", 1, (ErrorCode.INVALID, "lines.0.monthlyAmount")),
        ("X", "10.00", 10_001, (ErrorCode.INVALID, "lines.0.quantity")),
        ("X" * 101, "10.00", 1, (ErrorCode.TOO_LONG, "lines.0.product")),
        ("SIM\x00", "10.00", 1, (ErrorCode.INVALID, "lines.0.product")),
        ("SIM\u202e", "10.00", 1, (ErrorCode.INVALID, "lines.0.product")),
        ("   ", "10.00", 1, (ErrorCode.REQUIRED, "lines.0.product")),
    ],
)
async def test_a_line_out_of_bounds_is_refused_naming_its_field(
    account: Account, product: str, monthly: str, quantity: int, expected: tuple[ErrorCode, str]
) -> None:
    errors = await _refused(account, [line(product, monthly, quantity=quantity)])
    assert errors[0] == expected  # (the test line's description repeats the product: it may be refused too)
    assert all(field is not None and field.startswith("lines.0.") for _, field in errors)
    assert await Order.all().count() == 0


async def test_dates_at_the_ends_of_the_calendar_and_endless_terms_are_refused(account: Account) -> None:
    assert await _refused(account, [line("X", "1.00")], start=D(1, 1, 1)) == [(ErrorCode.INVALID, "startDate")]
    assert await _refused(account, [line("X", "1.00")], end=D(9999, 12, 31)) == [(ErrorCode.INVALID, "endDate")]
    assert await _refused(account, [line("X", "1.00")], booked_on=D(1999, 12, 31)) == [(ErrorCode.INVALID, "bookedOn")]
    assert await _refused(account, [line("X", "1.00")], end=D(2037, 3, 1)) == [(ErrorCode.INVALID, "endDate")]


async def test_the_largest_order_accepted_still_fits_every_invoice(account: Account) -> None:
    from tests.support.invoicing import activate, run_billing

    _, rows = await book(account, [line(f"L{i}", "99999999.99", quantity=10_000) for i in range(100)],
                         booked_on=D(2026, 3, 1), start=D(2026, 3, 1), end=D(2027, 2, 28))
    for row in rows:
        await activate(row, D(2026, 3, 1))
    report = await run_billing(D(2026, 3, 1))
    assert report.failures == [] and len(report.issued) == 1
    invoice = await Invoice.get(number=report.issued[0])
    # 100 lines x 99,999,999.99 x 10,000 units x 12 months (annual in advance), exact to the cent.
    assert invoice.total == Decimal("1199999999880000.00")
