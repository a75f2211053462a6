"""Usage billed monthly in arrears: overage, bursting and use after the term end
(pure, from plain facts).

For calendar month M of a line:

* the commitment's list value is ``monthly commitment / (1 - discount rate)``,
  prorated by calendar days: the days the line served in M over the days of M
  (``proration.months_of_service``; pooled capacity: the whole month in the term);
* overage = max(0, usage at list in M - that list value) x (1 - discount rate),
  rounded half-up once to the minor unit. A pay-as-you-go line (commitment 0) thus
  pays all its usage at the discount;
* bursting = sum over M's hours of (units in use - subscribed units) x the list
  price per unit-hour in force at that hour, rounded half-up once. Units in use
  never exceed twice the subscribed units (``burst_error``). The price in force is
  the price list's (``price_in_force``) when it has one for the line's product,
  otherwise the line's own unit-hour price;
* post-term use = sum over M's hours after the term end of the units in use x
  the list price in force at that hour, rounded half-up once.

Hours are reported, and a later report of an hour replaces the earlier ones
(``latest_reports``). Month M is due on the 1st of the next month. Usage is keyed
in the ledger by (line, kind, first day of M): a month already billed for a kind
is never due again.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from billing.rules.periods import Period, add_months, days_in_month
from billing.rules.proration import months_of_service
from billing.rules.recurring_charges import DueCharge, Term
from kit.money import Currency, quantize_half_up
from models.terms import ChargeKind

__all__ = [
    "BURST_FACTOR",
    "MAX_POST_TERM_UNITS",
    "HourlyReport",
    "PricedHour",
    "UsageLineFacts",
    "burst_error",
    "bursting_amount",
    "commitment_list_value",
    "due_usage_charges",
    "latest_reports",
    "month_of",
    "monthly_burst_unit_hours",
    "monthly_burst_value",
    "monthly_post_term_value",
    "monthly_usage",
    "overage_amount",
    "post_term_units_error",
    "price_in_force",
    "utc_hour",
]

BURST_FACTOR = 2
"""Units in use never exceed this many times the subscribed units."""

MAX_POST_TERM_UNITS = 1_000_000
"""The most units one line reports in use during one hour after its term end."""

HourlyReport = tuple[int, datetime, int]
"""(line id, start of the hour, units in use), as reported."""

PricedHour = tuple[int, datetime, int, Decimal]
"""(line id, start of the hour, units in use, list price per unit-hour in force then)."""

Quantity = Decimal | int | Fraction
"""A month's usage of one kind: consumption at list (Decimal), unit-hours (int) or an exact value (Fraction)."""


@dataclass(frozen=True, slots=True)
class UsageLineFacts:
    """One order line as usage billing sees it. ``monthly_commitment`` is what the
    line pays per month (monthly amount x quantity); ``subscribed_units`` and
    ``burst_unit_hour_price`` are None unless the line is burstable."""

    line_id: int
    activated_on: date | None
    monthly_commitment: Decimal
    discount_rate: Decimal
    pooled: bool = False
    subscribed_units: int | None = None
    burst_unit_hour_price: Decimal | None = None


def month_of(day: date) -> date:
    """The first day of ``day``'s calendar month (the month's ledger key)."""
    return day.replace(day=1)


def _check_rate(discount_rate: Decimal) -> Fraction:
    if isinstance(discount_rate, float) or not isinstance(discount_rate, Decimal):
        raise TypeError(f"discount_rate must be Decimal, got {type(discount_rate).__name__}")
    if not Decimal(0) <= discount_rate < Decimal(1):
        raise ValueError(f"discount_rate must be in [0, 1), got {discount_rate}")
    return Fraction(discount_rate)


def commitment_list_value(monthly_commitment: Decimal, discount_rate: Decimal, months: Fraction) -> Fraction:
    """The list value of the commitment for ``months`` of service, exactly (unrounded)."""
    if monthly_commitment < 0 or months < 0:
        raise ValueError("the commitment and the months are not negative")
    return Fraction(monthly_commitment) / (1 - _check_rate(discount_rate)) * months


def overage_amount(used: Decimal, commitment_list: Fraction, discount_rate: Decimal, currency: Currency) -> Decimal:
    """Usage at list beyond the commitment's list value, at the commitment's discount,
    rounded half-up once (0 when usage stays within the commitment)."""
    if used < 0:
        raise ValueError(f"usage is not negative, got {used}")
    excess = max(Fraction(0), Fraction(used) - commitment_list)
    return quantize_half_up(excess * (1 - _check_rate(discount_rate)), currency)


def burst_error(total_units: int, subscribed_units: int) -> str | None:
    """Why ``total_units`` in use is not a burst of a line subscribed to
    ``subscribed_units``: None when it is one (above the rate, at most twice it)."""
    if total_units <= subscribed_units:
        return f"Bursting is use above the {subscribed_units} subscribed units."
    if total_units > BURST_FACTOR * subscribed_units:
        return f"Bursting never exceeds {BURST_FACTOR} x the subscribed units ({BURST_FACTOR * subscribed_units})."
    return None


def bursting_amount(unit_hours: int, unit_hour_price: Decimal, currency: Currency) -> Decimal:
    """``unit_hours`` above the subscribed rate at the list price per unit-hour, rounded once."""
    if unit_hours < 0 or unit_hour_price < 0:
        raise ValueError("unit-hours and the price are not negative")
    return quantize_half_up(Fraction(unit_hour_price) * unit_hours, currency)


def post_term_units_error(units: int) -> str | None:
    """Why ``units`` is not a number of units in use during one hour after the term
    (None if it is: 0 to ``MAX_POST_TERM_UNITS``; 0 corrects an earlier report)."""
    if not 0 <= units <= MAX_POST_TERM_UNITS:
        return f"The units in use are 0 to {MAX_POST_TERM_UNITS:,}."
    return None


def utc_hour(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive time is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def price_in_force(schedule: Sequence[tuple[datetime, Decimal]], hour: datetime) -> Decimal | None:
    """The price of the latest entry of ``schedule`` (sorted by effective time)
    effective at or before ``hour``; None when none is in force yet."""
    index = bisect_right(schedule, utc_hour(hour), key=lambda entry: utc_hour(entry[0]))
    return schedule[index - 1][1] if index else None


def latest_reports(reports: Iterable[HourlyReport]) -> list[HourlyReport]:
    """The report that counts for each (line, hour): the last one, ``reports``
    being in the order they were made. Hours are compared in UTC."""
    latest: dict[tuple[int, datetime], HourlyReport] = {}
    for report in reports:
        latest[(report[0], utc_hour(report[1]))] = report
    return list(latest.values())


def _monthly_value(records: Iterable[PricedHour], subscribed: Mapping[int, int] | None) -> dict[tuple[int, date], Fraction]:
    totals: dict[tuple[int, date], Fraction] = defaultdict(Fraction)
    for line_id, hour_start, units, unit_price in records:
        if unit_price < 0 or units < 0:
            raise ValueError("units and prices are not negative")
        if subscribed is not None:
            if line_id not in subscribed:
                continue
            units = max(0, units - subscribed[line_id])
        totals[(line_id, month_of(utc_hour(hour_start).date()))] += Fraction(unit_price) * units
    return dict(totals)


def monthly_burst_value(records: Iterable[PricedHour], subscribed: Mapping[int, int]) -> dict[tuple[int, date], Fraction]:
    """The exact value of bursting per (line, month): the units above the subscribed
    units x the price in force at each hour, summed (unrounded). Lines missing
    from ``subscribed`` are skipped."""
    return _monthly_value(records, subscribed)


def monthly_post_term_value(records: Iterable[PricedHour]) -> dict[tuple[int, date], Fraction]:
    """The exact value of post-term use per (line, month): units x the price in
    force at each hour, summed (unrounded)."""
    return _monthly_value(records, None)


def monthly_usage(records: Iterable[tuple[int, date, Decimal]]) -> dict[tuple[int, date], Decimal]:
    """Usage at list per (line, month) from (line, day, list amount) records."""
    totals: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for line_id, day, amount in records:
        totals[(line_id, month_of(day))] += amount
    return dict(totals)


def monthly_burst_unit_hours(
    records: Iterable[tuple[int, datetime, int]], subscribed: Mapping[int, int]
) -> dict[tuple[int, date], int]:
    """Unit-hours above the subscribed units per (line, month) from (line, UTC hour
    start, units in use) records; lines missing from ``subscribed`` are skipped."""
    totals: dict[tuple[int, date], int] = defaultdict(int)
    for line_id, hour_start, total_units in records:
        if line_id in subscribed:
            day = (hour_start.astimezone(UTC) if hour_start.tzinfo else hour_start).date()
            totals[(line_id, month_of(day))] += max(0, total_units - subscribed[line_id])
    return dict(totals)


def _served(line: UsageLineFacts, month: date, term: Term) -> Period | None:
    """The part of ``month`` the line served within the term (None if none)."""
    assert line.activated_on is not None
    month_end = month.replace(day=days_in_month(month.year, month.month))
    start = max(month, term.start) if line.pooled else max(month, term.start, line.activated_on)
    end = min(month_end, term.end)
    return Period(start, end) if start <= end else None


def _post_term_served(line: UsageLineFacts, month: date, term: Term) -> Period | None:
    """The part of ``month`` after the term end (and from the activation on)."""
    assert line.activated_on is not None
    start = max(month, term.end + timedelta(days=1), line.activated_on)
    end = month.replace(day=days_in_month(month.year, month.month))
    return Period(start, end) if start <= end else None


def _charge(line: UsageLineFacts, kind: ChargeKind, month: date, term: Term, quantity: Quantity) -> DueCharge | None:
    served = _post_term_served(line, month, term) if kind is ChargeKind.POST_TERM else _served(line, month, term)
    if served is None:
        return None
    if kind is ChargeKind.OVERAGE:
        assert not isinstance(quantity, Fraction)
        commitment = commitment_list_value(line.monthly_commitment, line.discount_rate, months_of_service(served.start, served.end))
        amount = overage_amount(Decimal(quantity), commitment, line.discount_rate, term.currency)
    elif isinstance(quantity, Fraction):  # priced hour by hour: bursting or post-term
        if quantity < 0:
            raise ValueError("a usage value is not negative")
        amount = quantize_half_up(quantity, term.currency)
    else:
        assert line.burst_unit_hour_price is not None
        amount = bursting_amount(int(quantity), line.burst_unit_hour_price, term.currency)
    if amount <= 0:
        return None
    return DueCharge(line.line_id, month, served, amount, add_months(month, 1), kind)


def due_usage_charges(
    term: Term,
    lines: Iterable[UsageLineFacts],
    used: Mapping[tuple[int, date], Decimal],
    bursts: Mapping[tuple[int, date], int | Fraction],
    as_of: date,
    billed: Collection[tuple[int, ChargeKind, date]] = (),
    post_term: Mapping[tuple[int, date], Fraction] | None = None,
) -> list[DueCharge]:
    """Overage, bursting and post-term use of every month ended before ``as_of`` and
    not yet billed, by line, then month, in that order of kinds. Nothing is due for
    a month whose amount rounds to 0.

    ``bursts`` holds per (line, month) either the unit-hours above the subscribed
    units (an int, priced at the line's own unit-hour price) or their exact value
    priced hour by hour (a Fraction, ``monthly_burst_value``); ``post_term`` the
    exact value of the use after the term end (``monthly_post_term_value``)."""
    due: list[DueCharge] = []
    for line in lines:
        if line.activated_on is None or line.activated_on > as_of:
            continue
        sources: list[tuple[ChargeKind, Mapping[tuple[int, date], Quantity]]] = [(ChargeKind.OVERAGE, used)]
        if line.subscribed_units is not None and line.burst_unit_hour_price is not None:
            sources.append((ChargeKind.BURSTING, bursts))
        if post_term:
            sources.append((ChargeKind.POST_TERM, post_term))
        found = [(month, index, kind, quantity) for index, (kind, source) in enumerate(sources)
                 for (line_id, month), quantity in source.items() if line_id == line.line_id]
        for month, _, kind, quantity in sorted(found, key=lambda item: item[:2]):
            if add_months(month, 1) > as_of or (line.line_id, kind, month) in billed:
                continue
            charge = _charge(line, kind, month, term, quantity)
            if charge is not None:
                due.append(charge)
    return due
