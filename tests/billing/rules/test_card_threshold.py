"""The card threshold: an order's contract value counts the months of the term, from the
booking (or the term start) to the term end, like its invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.rules.card_threshold import card_required, order_total
from kit.money import Currency, Money
from models.coverage import Coverage

USD = Currency.USD
THRESHOLD = Money(Decimal("2000.00"), USD)


def _total(monthly: str, booked: date, start: date, end: date, *, pooled: bool = False) -> Decimal:
    return order_total([(Decimal(monthly), 1, pooled)], booked, start, end, USD).amount


def _card_required(total: Decimal) -> bool:
    return card_required(Coverage.GLOBAL, "US", Money(total, USD), card_countries={"US"}, threshold=THRESHOLD,
                         pays_by_card=False)


def test_the_contract_value_of_a_calendar_year_term_is_prorated_from_the_booking() -> None:
    # 100 x (27/31 + 11) = 1,187.096... -> 1,187.10; 166.67 x 12 = 2,000.04
    assert _total("100.00", date(2026, 1, 5), date(2026, 1, 1), date(2026, 12, 31)) == Decimal("1187.10")
    assert _total("166.67", date(2026, 1, 1), date(2026, 1, 1), date(2026, 12, 31)) == Decimal("2000.04")
    assert _card_required(Decimal("1187.10")) and not _card_required(Decimal("2000.04"))


def test_the_contract_value_of_a_mid_month_term_counts_whole_months_of_the_term() -> None:
    start, end = date(2027, 2, 15), date(2028, 2, 14)
    # 12 months exactly (calendar months gave 14/28 + 11 + 14/29 months: 1,997.17, under the threshold)
    assert _total("166.67", start, start, end) == Decimal("2000.04")
    assert not _card_required(_total("166.67", start, start, end))
    # booked Mar 1: 14/28 of the month Feb 15 - Mar 14, then 11 months: 166.67 x 11.5 = 1,916.705
    assert _total("166.67", date(2027, 3, 1), start, end) == Decimal("1916.71")
    assert _total("166.67", date(2027, 1, 20), start, end) == Decimal("2000.04")  # booked before the term


def test_orders_are_judged_alone_and_nothing_after_the_term_counts() -> None:
    assert _total("5000.00", date(2027, 1, 1), date(2026, 1, 1), date(2026, 12, 31)) == Decimal("0.00")
    two_lines = order_total([(Decimal("100.00"), 2, False), (Decimal("50.00"), 1, True)], date(2026, 1, 31),
                            date(2026, 1, 31), date(2027, 1, 30), USD)
    assert two_lines == Money(Decimal("3000.00"), USD)  # (200 + 50) x 12 months from Jan 31
