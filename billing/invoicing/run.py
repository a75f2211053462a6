"""The billing run: issue everything due on one day, one subscription at a time.

Each subscription is billed in its own short transaction that first claims the
subscription row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL): two runs, or several
worker processes sharing one run, never bill the same subscription at once, and
the ledger's unique key stops a second bill for a period in any case. Card
invoices are charged after their transaction has committed (never inside it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import Enum

from tortoise.transactions import in_transaction

from billing import customer_mail
from billing.access.caller import Caller
from billing.access.rules import require_staff
from billing.invoicing.card_charges import (
    ChargeOutcome,
    charge_invoice,
    pending_card_invoices,
)
from billing.invoicing.issue import issue_invoice
from billing.invoicing.purchase_orders import is_held
from billing.payment_settings.gateway import PaymentGateway
from billing.policy import BillingPolicy
from billing.rules.recurring_charges import (
    ChargeKind,
    DueCharge,
    LineFacts,
    Term,
    due_charges,
)
from billing.rules.usage_charges import (
    UsageLineFacts,
    due_usage_charges,
    monthly_burst_unit_hours,
    monthly_usage,
)
from models.accounts import Account
from models.invoices import BilledCharge, ChargeState, Invoice
from models.orders import OrderLine, Subscription
from models.usage import BurstRecord, UsageRecord

log = logging.getLogger("billing.run")


class Outcome(Enum):
    NOTHING_DUE = "NOTHING_DUE"
    ISSUED = "ISSUED"
    HELD = "HELD"
    CLAIMED_ELSEWHERE = "CLAIMED_ELSEWHERE"


@dataclass
class RunReport:
    """What one run did: invoice numbers issued, subscriptions held for a PO,
    subscriptions another worker was billing, and the card charges made."""

    as_of: date
    issued: list[str] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    claimed_elsewhere: int = 0
    charges: list[ChargeOutcome] = field(default_factory=list)

    @property
    def declined(self) -> list[str]:
        return [c.invoice_number for c in self.charges if c.state is ChargeState.DECLINED]


async def run_billing(as_of: date, *, policy: BillingPolicy, gateway: PaymentGateway) -> RunReport:
    """Issue everything due on ``as_of``; safe to run again and concurrently.

    ``gateway`` is the configured one (``Services.payment_gateway``): a run never
    picks a gateway by itself, so it cannot charge real cards through a test one.
    """
    report = RunReport(as_of)
    for invoice_id in await pending_card_invoices():  # charges a dead process never made
        report.charges.append(await charge_invoice(gateway, invoice_id))
    for subscription_id in await candidate_subscriptions(as_of):
        outcome, invoice = await bill_subscription(subscription_id, as_of, policy)
        if outcome is Outcome.ISSUED and invoice is not None:
            report.issued.append(invoice.number)
            if invoice.charge_state is ChargeState.PENDING:
                report.charges.append(await charge_invoice(gateway, invoice.id))
        elif outcome is Outcome.HELD:
            report.held.append(subscription_id)
        elif outcome is Outcome.CLAIMED_ELSEWHERE:
            report.claimed_elsewhere += 1
    log.info("billing run %s: %d issued, %d held", as_of, len(report.issued), len(report.held))
    return report


async def candidate_subscriptions(as_of: date) -> list[int]:
    """Subscriptions with a line active by ``as_of`` (the only ones that can owe)."""
    rows = await OrderLine.filter(activated_on__lte=as_of).distinct().values_list("subscription_id")
    return sorted({subscription_id for (subscription_id,) in rows})


async def bill_subscription(
    subscription_id: int, as_of: date, policy: BillingPolicy
) -> tuple[Outcome, Invoice | None]:
    """Claim one subscription and issue what is due on it, in one transaction."""
    async with in_transaction():
        subscription = (
            await Subscription.filter(id=subscription_id).select_for_update(skip_locked=True).first()
        )
        if subscription is None:
            return Outcome.CLAIMED_ELSEWHERE, None
        lines = {line.id: line for line in await OrderLine.filter(subscription_id=subscription_id).select_related("order")}
        charges = await _due(subscription, lines, as_of)
        if not charges:
            return Outcome.NOTHING_DUE, None
        account = await Account.get(id=subscription.account_id)
        payer = await customer_mail.load_payer(subscription.account_id, subscription.coverage, account.name)
        if is_held(subscription):
            await customer_mail.invoice_held_for_po(subscription, payer)
            return Outcome.HELD, None
        invoice = await issue_invoice(subscription, charges, lines, payer, as_of, policy)
        return Outcome.ISSUED, invoice


async def _due(subscription: Subscription, lines: dict[int, OrderLine], as_of: date) -> list[DueCharge]:
    """Recurring charges, then the usage of ended months, not yet in the ledger."""
    ledger = set(
        await BilledCharge.filter(order_line_id__in=list(lines)).values_list("order_line_id", "kind", "period_start")
    )
    term = _term(subscription)
    recurring = {(line_id, start) for line_id, kind, start in ledger if kind is ChargeKind.RECURRING}
    charges = due_charges(term, [_facts(line) for line in lines.values()], as_of, recurring)
    month_start = as_of.replace(day=1)
    used = monthly_usage(
        await UsageRecord.filter(order_line_id__in=list(lines), used_on__lt=month_start)
        .values_list("order_line_id", "used_on", "list_amount")
    )
    subscribed = {line.id: line.subscribed_units for line in lines.values() if line.subscribed_units is not None}
    bursts = monthly_burst_unit_hours(
        await BurstRecord.filter(
            order_line_id__in=list(subscribed), hour_start__lt=datetime.combine(month_start, time(), UTC)
        ).values_list("order_line_id", "hour_start", "total_units"),
        subscribed,
    )
    usage_lines = [_usage_facts(line) for line in lines.values()]
    return charges + due_usage_charges(term, usage_lines, used, bursts, as_of, ledger)


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


async def run_billing_as(
    caller: Caller, as_of: date, policy: BillingPolicy, gateway: PaymentGateway
) -> RunReport:
    """Staff start a run by hand (the worker runs it daily by itself)."""
    require_staff(caller, "run billing")
    return await run_billing(as_of, policy=policy, gateway=gateway)
