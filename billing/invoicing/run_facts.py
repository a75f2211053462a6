"""What a billing run reads to decide what is due, for a whole chunk of claimed
subscriptions at once: one query per table (order lines with their orders, the
ledger, the usage, the bursting and post-term hours, the price list), never one
per subscription. ``ChunkFacts.due`` then works on plain values in memory.

The queries run inside the chunk's transaction, after its subscriptions are
claimed, so the ledger they read is the one no other run can add to meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from billing.invoicing.prices import MonthlyValues, Schedule, hourly_values
from billing.rules.recurring_charges import (
    ChargeKind,
    DueCharge,
    LineFacts,
    Term,
    due_charges,
)
from billing.rules.usage_charges import (
    HourlyReport,
    UsageLineFacts,
    due_usage_charges,
    latest_reports,
    monthly_usage,
)
from kit.money import Currency
from models.invoices import BilledCharge
from models.orders import OrderLine, Subscription
from models.prices import ListPrice
from models.usage import BurstRecord, PostTermRecord, UsageRecord

Ledger = set[tuple[int, ChargeKind, date]]
_Row = TypeVar("_Row", bound=tuple[Any, ...])


@dataclass(frozen=True)
class ChunkFacts:
    """Everything the due charges of a chunk's subscriptions depend on, read once."""

    as_of: date
    lines: Mapping[int, dict[int, OrderLine]]  # subscription id -> line id -> line (with its order)
    ledger: Mapping[int, Ledger]  # line id -> what is billed already
    usage: Mapping[int, list[tuple[int, date, Decimal]]]  # line id -> usage rows of ended months
    bursts: Mapping[int, list[HourlyReport]]  # line id -> latest report per hour
    post_term: Mapping[int, list[HourlyReport]]
    prices: Mapping[Currency, Mapping[str, Schedule]]

    def due(self, subscription: Subscription) -> list[DueCharge]:
        """Recurring charges, then the usage of ended months, not yet in the ledger."""
        lines = self.lines.get(subscription.id, {})
        ledger = {key for line_id in lines for key in self.ledger.get(line_id, ())}
        term = _term(subscription)
        recurring = {(line_id, start) for line_id, kind, start in ledger if kind is ChargeKind.RECURRING}
        charges = due_charges(term, [_facts(line) for line in lines.values()], self.as_of, recurring)
        used = monthly_usage(row for line_id in lines for row in self.usage.get(line_id, ()))
        bursts, post_term = self._hourly_values(lines, term)
        usage_lines = [_usage_facts(line) for line in lines.values()]
        return charges + due_usage_charges(term, usage_lines, used, bursts, self.as_of, ledger, post_term)

    def _hourly_values(self, lines: Mapping[int, OrderLine], term: Term) -> tuple[MonthlyValues, MonthlyValues]:
        """Bursting and post-term use per (line, month), from the rows read for the chunk."""
        bursts = [report for line_id in lines for report in self.bursts.get(line_id, ())]
        post_term = (
            [report for line_id in lines for report in self.post_term.get(line_id, ())]
            if _term_ended(term, self.as_of) else []
        )
        return hourly_values(lines, bursts, post_term, self.prices.get(term.currency, {}), term.currency)


def _month_start(as_of: date) -> datetime:
    return datetime.combine(as_of.replace(day=1), time(), UTC)


def _term_ended(term: Term, as_of: date) -> bool:
    return _month_start(as_of) > datetime.combine(term.end + timedelta(days=1), time(), UTC)


def _by_line(rows: Iterable[_Row]) -> dict[int, list[_Row]]:
    grouped: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return dict(grouped)


async def read_chunk_facts(subscriptions: Sequence[Subscription], as_of: date) -> ChunkFacts:
    """Read what ``subscriptions`` (claimed by the caller's transaction) owe on ``as_of``:
    at most six queries whatever their number (bursting, post-term use and the price
    list only when some line can have them)."""
    ids = [s.id for s in subscriptions]
    lines: dict[int, dict[int, OrderLine]] = defaultdict(dict)
    for line in await OrderLine.filter(subscription_id__in=ids).select_related("order") if ids else []:
        lines[line.subscription_id][line.id] = line
    all_lines = {line_id: line for mine in lines.values() for line_id, line in mine.items()}
    line_ids = list(all_lines)
    ledger: dict[int, Ledger] = defaultdict(set)
    usage: dict[int, list[tuple[int, date, Decimal]]] = {}
    bursts: dict[int, list[HourlyReport]] = {}
    post_term: dict[int, list[HourlyReport]] = {}
    before = _month_start(as_of)
    if line_ids:
        for line_id, kind, start in await BilledCharge.filter(order_line_id__in=line_ids).values_list(
            "order_line_id", "kind", "period_start"
        ):
            ledger[line_id].add((line_id, kind, start))
        usage = _by_line(
            await UsageRecord.filter(order_line_id__in=line_ids, used_on__lt=before.date())
            .values_list("order_line_id", "used_on", "list_amount")
        )
    bursting = [i for i, line in all_lines.items() if line.subscribed_units is not None and line.burst_unit_hour_price is not None]
    if bursting:
        bursts = _by_line(latest_reports(
            await BurstRecord.filter(order_line_id__in=bursting, hour_start__lt=before)
            .order_by("id").values_list("order_line_id", "hour_start", "total_units")
        ))
    ended = [i for s in subscriptions if _term_ended(_term(s), as_of) for i in lines.get(s.id, {})]
    if ended:
        post_term = _by_line(latest_reports(
            await PostTermRecord.filter(order_line_id__in=ended, hour_start__lt=before)
            .order_by("id").values_list("order_line_id", "hour_start", "units")
        ))
    priced = {all_lines[line_id].product for rows in (bursts, post_term) for line_id in rows}
    return ChunkFacts(as_of, lines, ledger, usage, bursts, post_term, await _schedules(priced))


async def _schedules(products: set[str]) -> dict[Currency, dict[str, Schedule]]:
    """The price list of ``products`` in every currency, oldest entry first (one query)."""
    if not products:
        return {}
    found: dict[Currency, dict[str, Schedule]] = defaultdict(lambda: defaultdict(list))
    rows = await ListPrice.filter(product__in=sorted(products)).order_by("effective_from").values_list(
        "currency", "product", "effective_from", "unit_hour_price"
    )
    for currency, product, effective_from, price in rows:
        found[Currency(currency)][product].append((effective_from, price))
    return {currency: dict(schedules) for currency, schedules in found.items()}


def _usage_facts(line: OrderLine) -> UsageLineFacts:
    return UsageLineFacts(
        line.id, line.activated_on, line.monthly_amount * line.quantity, line.discount_rate, line.pooled,
        line.subscribed_units, line.burst_unit_hour_price,
    )


def _term(subscription: Subscription) -> Term:
    return Term(
        subscription.term_start, subscription.term_end, subscription.billing_frequency,
        subscription.coverage.currency,
    )


def _facts(line: OrderLine) -> LineFacts:
    return LineFacts(
        line.id, line.order_id, line.order.booked_on, line.activated_on, line.monthly_amount,
        line.quantity, line.pooled, line.tax_category,
    )
