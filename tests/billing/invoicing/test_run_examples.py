"""The domain's acceptance examples, the FAQ's PaaS/SaaS example and full periods of
mid-month terms (issue 9), as billing runs over a real database. Every coverage billed
here pays by invoice (a coverage is billed only through a payment method)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.rules.payment_terms import PaymentTerms
from billing.rules.periods import BillingFrequency
from billing.rules.tax import TaxCategory
from models.accounts import Account
from models.coverage import Coverage
from models.invoices import BilledCharge, Invoice, InvoiceLine, InvoiceTax
from tests.support.invoicing import activate, book, give_profile, line, run_billing

D = date


async def _lines_of(number: str) -> list[tuple[str, Decimal]]:
    invoice = await Invoice.get(number=number)
    rows = await InvoiceLine.filter(invoice_id=invoice.id).order_by("position")
    return [(row.product, row.amount) for row in rows]


async def _run_days(first: date, last: date) -> dict[date, list[str]]:
    """Run billing every day from ``first`` to ``last``; the numbers issued per day."""
    issued = {}
    day = first
    while day <= last:
        report = await run_billing(day)
        if report.issued:
            issued[day] = report.issued
        day = date.fromordinal(day.toordinal() + 1)
    return issued


async def test_a_line_activated_after_fifteen_days_gets_its_own_invoice(account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL)
    _, (a, b) = await book(account, [line("A", "100.00"), line("B", "50.00")], booked_on=D(2026, 1, 5),
                           start=D(2026, 1, 1), end=D(2026, 12, 31), frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
    await activate(a, D(2026, 1, 6))
    await activate(b, D(2026, 1, 27))
    issued = await _run_days(D(2026, 1, 5), D(2026, 1, 31))
    assert list(issued) == [D(2026, 1, 20), D(2026, 1, 27)]
    (first,), (second,) = issued.values()
    assert [p for p, _ in await _lines_of(first)] == ["A"]
    assert [p for p, _ in await _lines_of(second)] == ["B"]
    assert (await Invoice.get(number=first)).issue_date == D(2026, 1, 20)


async def test_all_lines_active_within_fifteen_days_make_one_invoice_on_the_last_activation(account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL)
    _, (a, b) = await book(account, [line("A", "100.00"), line("B", "50.00")], booked_on=D(2026, 1, 5),
                           start=D(2026, 1, 1), end=D(2026, 12, 31), frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
    await activate(a, D(2026, 1, 6))
    await activate(b, D(2026, 1, 12))
    issued = await _run_days(D(2026, 1, 5), D(2026, 1, 31))
    assert list(issued) == [D(2026, 1, 12)]
    assert sorted(p for p, _ in await _lines_of(issued[D(2026, 1, 12)][0])) == ["A", "B"]


async def test_jp_tax_is_computed_once_per_rate_and_rounded_down(account: Account) -> None:
    await give_profile(account, Coverage.JP)
    lines = [line(f"S{i}", "1005", tax=TaxCategory.STANDARD) for i in range(3)]
    lines.append(line("R", "2000", tax=TaxCategory.REDUCED))
    _, rows = await book(account, lines, coverage=Coverage.JP, booked_on=D(2026, 1, 1), start=D(2026, 1, 1),
                         end=D(2026, 12, 31), frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
    for row in rows:
        await activate(row, D(2026, 1, 1))
    (number,) = (await run_billing(D(2026, 1, 1))).issued
    invoice = await Invoice.get(number=number)
    taxes = {t.category: (t.taxable_amount, t.tax_amount) for t in await InvoiceTax.filter(invoice_id=invoice.id)}
    assert taxes == {TaxCategory.STANDARD: (Decimal(3015), Decimal(301)), TaxCategory.REDUCED: (Decimal(2000), Decimal(160))}
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (Decimal(5015), Decimal(461), Decimal(5476))
    assert number == "JP-2026-000001"


async def test_due_dates_follow_the_payment_terms(account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL)
    due = {}
    for terms in PaymentTerms:
        _, (row,) = await book(account, [line("X", "10.00")], booked_on=D(2026, 1, 31), start=D(2026, 1, 31),
                               end=D(2026, 12, 31), terms=terms)
        await activate(row, D(2026, 1, 31))
    for number in (await run_billing(D(2026, 1, 31))).issued:
        invoice = await Invoice.get(number=number)
        due[invoice.payment_terms] = (invoice.issue_date, invoice.due_date)
    assert due == {
        PaymentTerms.EOM_FOLLOWING: (D(2026, 1, 31), D(2026, 2, 28)),
        PaymentTerms.NET_30: (D(2026, 1, 31), D(2026, 3, 2)),
    }


async def test_faq_co_termination_prorates_a_later_activation_by_calendar_months(account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL)
    _, (paas, saas) = await book(account, [line("PaaS", "2000.00"), line("SaaS", "2000.00")], booked_on=D(2026, 1, 1),
                                 start=D(2026, 1, 1), end=D(2026, 12, 31))
    await activate(paas, D(2026, 1, 1))
    await activate(saas, D(2026, 2, 1))
    issued = await _run_days(D(2026, 1, 1), D(2026, 2, 3))
    assert [len(numbers) for numbers in issued.values()] == [1, 1]
    assert await _lines_of(issued[D(2026, 1, 16)][0]) == [("PaaS", Decimal("24000.00"))]
    assert await _lines_of(issued[D(2026, 2, 1)][0]) == [("SaaS", Decimal("22000.00"))]
    saas_line = await InvoiceLine.get(product="SaaS")
    assert (saas_line.period_start, saas_line.period_end) == (D(2026, 2, 1), D(2026, 12, 31))


# Issue 9: a billing period served in full is charged in full, whatever day the term starts.

async def _book_jp(account: Account, start: date, end: date, frequency: BillingFrequency) -> None:
    await give_profile(account, Coverage.JP)
    _, (row,) = await book(account, [line("Router", "10000")], coverage=Coverage.JP, booked_on=start, start=start,
                           end=end, frequency=frequency)
    await activate(row, start)


async def _invoice_lines(number: str) -> list[tuple[date, date, Decimal]]:
    invoice = await Invoice.get(number=number)
    rows = await InvoiceLine.filter(invoice_id=invoice.id).order_by("position")
    return [(row.period_start, row.period_end, row.amount) for row in rows]


async def test_an_annual_term_from_feb_15_is_invoiced_twelve_full_months(account: Account) -> None:
    await _book_jp(account, D(2027, 2, 15), D(2028, 2, 14), BillingFrequency.ANNUAL_IN_ADVANCE)
    (number,) = (await run_billing(D(2027, 2, 15))).issued
    assert await _invoice_lines(number) == [(D(2027, 2, 15), D(2028, 2, 14), Decimal("120000"))]  # was 119,828
    invoice = await Invoice.get(number=number)
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (Decimal(120000), Decimal(12000), Decimal(132000))


async def test_a_quarterly_in_arrears_quarter_from_feb_15_is_invoiced_three_full_months(account: Account) -> None:
    await _book_jp(account, D(2027, 2, 15), D(2028, 2, 14), BillingFrequency.QUARTERLY_IN_ARREARS)
    assert (await run_billing(D(2027, 5, 14))).issued == []
    (number,) = (await run_billing(D(2027, 5, 15))).issued
    assert await _invoice_lines(number) == [(D(2027, 2, 15), D(2027, 5, 14), Decimal("30000"))]  # was 29,516
    (catch_up,) = (await run_billing(D(2028, 2, 15))).issued
    assert await _invoice_lines(catch_up) == [
        (D(2027, 5, 15), D(2027, 8, 14), Decimal("30000")),
        (D(2027, 8, 15), D(2027, 11, 14), Decimal("30000")),
        (D(2027, 11, 15), D(2028, 2, 14), Decimal("30000")),
    ]


async def test_a_monthly_term_from_jan_31_is_invoiced_one_full_month_at_a_time(account: Account) -> None:
    await _book_jp(account, D(2026, 1, 31), D(2027, 1, 30), BillingFrequency.MONTHLY_IN_ADVANCE)
    issued = await _run_days(D(2026, 1, 31), D(2026, 4, 1))
    assert list(issued) == [D(2026, 1, 31), D(2026, 3, 1), D(2026, 3, 31)]
    assert [await _invoice_lines(number) for (number,) in issued.values()] == [
        [(D(2026, 1, 31), D(2026, 2, 28), Decimal("10000"))],  # was 9,965 for Jan 31 - Feb 27
        [(D(2026, 3, 1), D(2026, 3, 30), Decimal("10000"))],  # was 10,035 for Feb 28 - Mar 30
        [(D(2026, 3, 31), D(2026, 4, 30), Decimal("10000"))],
    ]
    starts = await BilledCharge.all().order_by("period_start").values_list("period_start", flat=True)
    assert list(starts) == [D(2026, 1, 31), D(2026, 3, 1), D(2026, 3, 31)]
