"""The billing run: issue everything due on one day, one billing unit at a time.

A unit is one subscription, or, for an account whose two coverages pay through
one merged invoice profile, every due subscription of that account: a merged
group gets one invoice per run (lines grouped by coverage, one total per
currency). Whether coverages are merged is read when the run bills them, so a
period straddling a merge or an unmerge is billed on whichever invoice the run
that reaches it issues; nothing issued before changes.

Each unit is billed in its own short transaction that first claims its
subscription rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL): two runs, or several
worker processes sharing one run, never bill the same subscription at once, and
the ledger's unique key stops a second bill for a period in any case. Card
invoices are charged after their transaction has committed (never inside it).

A subscription with charges due is held, not invoiced, when its coverage has no
payment method (the account's owners are told once) or when it needs a PO and
has neither a PO nor an exemption (the payer is told once).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from tortoise.transactions import in_transaction

from billing import customer_mail
from billing.access.caller import Caller
from billing.access.rules import require_staff
from billing.clock import Clock
from billing.customer_mail import Payer
from billing.errors import BusinessError, ErrorCode
from billing.invoicing.card_charges import (
    ChargeOutcome,
    charge_invoice,
    pending_card_invoices,
)
from billing.invoicing.holds import Hold, HoldReason, hold_reason
from billing.invoicing.issue import InvoicePart, issue_invoice
from billing.invoicing.prices import hourly_usage_values
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
    monthly_usage,
)
from models.accounts import Account
from models.billing_runs import BillingFailure
from models.coverage import Coverage
from models.invoice_profile import InvoiceApplication, InvoiceProfile
from models.invoices import BilledCharge, ChargeState, Invoice
from models.orders import OrderLine, Subscription
from models.payment import PaymentSettings
from models.usage import UsageRecord

log = logging.getLogger("billing.run")


@dataclass
class UnitResult:
    """What billing one unit did: the invoice issued (if any), the subscriptions
    held, or that another worker holds the unit."""

    invoice: Invoice | None = None
    held: list[Hold] = field(default_factory=list)
    claimed_elsewhere: bool = False


@dataclass(frozen=True)
class UnitFailure:
    """A billing unit the run could not bill because of an unexpected error; nothing
    of it was written, and the next run tries it again."""

    subscription_ids: tuple[int, ...]
    error: str


@dataclass
class RunReport:
    """What one run did: invoice numbers issued, subscriptions held (and why),
    units another worker was billing, units that failed, and the card charges made."""

    as_of: date
    issued: list[str] = field(default_factory=list)
    held: list[Hold] = field(default_factory=list)
    claimed_elsewhere: int = 0
    failures: list[UnitFailure] = field(default_factory=list)
    charges: list[ChargeOutcome] = field(default_factory=list)

    @property
    def declined(self) -> list[str]:
        return [c.invoice_number for c in self.charges if c.state is ChargeState.DECLINED]

    @property
    def held_subscriptions(self) -> list[int]:
        return [hold.subscription_id for hold in self.held]


async def run_billing(as_of: date, *, policy: BillingPolicy, gateway: PaymentGateway) -> RunReport:
    """Issue everything due on ``as_of``; safe to run again and concurrently.

    ``gateway`` is the configured one (``Services.payment_gateway``): a run never
    picks a gateway by itself, so it cannot charge real cards through a test one.
    """
    report = RunReport(as_of)
    for invoice_id in await pending_card_invoices():  # charges a dead process never made
        report.charges.append(await charge_invoice(gateway, invoice_id))
    for unit in await billing_units(as_of):
        try:
            result = await bill_unit(unit, as_of, policy)
        except Exception as exc:  # one bad subscription never stops the others' billing
            report.failures.append(await _record_failure(unit, as_of, exc))
            continue
        report.held += result.held
        report.claimed_elsewhere += result.claimed_elsewhere
        if result.invoice is not None:
            report.issued.append(result.invoice.number)
            if result.invoice.charge_state is ChargeState.PENDING:
                report.charges.append(await charge_invoice(gateway, result.invoice.id))
    log.info(
        "billing run %s: %d issued, %d held, %d failed",
        as_of, len(report.issued), len(report.held), len(report.failures),
    )
    return report


async def _record_failure(unit: tuple[int, ...], as_of: date, exc: Exception) -> UnitFailure:
    """Log the failure once (with the request id, by the log configuration) and keep
    it for staff; the unit's own transaction has already rolled back."""
    failure = UnitFailure(unit, f"{type(exc).__name__}: {exc}"[:1000])
    log.error("billing run %s: subscriptions %s failed; the run goes on", as_of, list(unit), exc_info=exc)
    try:
        await BillingFailure.create(as_of=as_of, subscription_ids=list(unit), error=failure.error)
    except Exception:  # the database may be what failed; the log and the report still have it
        log.exception("billing run %s: could not record the failure of subscriptions %s", as_of, list(unit))
    return failure


async def candidate_subscriptions(as_of: date) -> list[int]:
    """Subscriptions with a line active by ``as_of`` (the only ones that can owe)."""
    rows = await OrderLine.filter(activated_on__lte=as_of).distinct().values_list("subscription_id")
    return sorted({subscription_id for (subscription_id,) in rows})


async def merged_accounts() -> set[uuid.UUID]:
    """Accounts whose two coverages pay through one (merged) invoice profile."""
    rows = await PaymentSettings.filter(invoice_profile_id__not_isnull=True).values_list(
        "account_id", "invoice_profile_id"
    )
    coverages: dict[tuple[uuid.UUID, int], int] = defaultdict(int)
    for account_id, profile_id in rows:
        coverages[(account_id, profile_id)] += 1
    return {account_id for (account_id, _), count in coverages.items() if count == len(Coverage)}


async def billing_units(as_of: date) -> list[tuple[int, ...]]:
    """The candidate subscriptions grouped into units: one subscription each, all of
    a merged account's together; ordered by their first subscription id."""
    candidates = await candidate_subscriptions(as_of)
    if not candidates:
        return []
    merged = await merged_accounts()
    units: dict[object, list[int]] = defaultdict(list)
    for subscription_id, account_id in await Subscription.filter(id__in=candidates).values_list("id", "account_id"):
        units[account_id if account_id in merged else subscription_id].append(subscription_id)
    return sorted(tuple(sorted(ids)) for ids in units.values())


async def bill_unit(subscription_ids: tuple[int, ...], as_of: date, policy: BillingPolicy) -> UnitResult:
    """Claim one unit's subscriptions and issue what is due on them, in one transaction."""
    async with in_transaction():
        subscriptions = list(
            await Subscription.filter(id__in=subscription_ids).order_by("id").select_for_update(skip_locked=True)
        )
        if len(subscriptions) < len(subscription_ids):
            return UnitResult(claimed_elsewhere=True)
        lines: dict[int, dict[int, OrderLine]] = defaultdict(dict)
        for line in await OrderLine.filter(subscription_id__in=subscription_ids).select_related("order"):
            lines[line.subscription_id][line.id] = line
        due = [(s, charges) for s in subscriptions if (charges := await _due(s, lines[s.id], as_of))]
        if not due:
            return UnitResult()
        account = await Account.get(id=subscriptions[0].account_id)
        payers = {
            coverage: await customer_mail.load_payer(account.id, coverage, account.name)
            for coverage in {s.coverage for s in subscriptions}
        }
        result = UnitResult()
        parts = []
        for subscription, charges in due:
            hold = await _hold(subscription, payers[subscription.coverage])
            if hold is not None:
                result.held.append(hold)
            else:
                parts.append(InvoicePart(subscription, charges, lines[subscription.id]))
        if parts:
            numbered_in = await _numbered_in(parts, payers)
            payer = payers.get(numbered_in) or await customer_mail.load_payer(account.id, numbered_in, account.name)
            result.invoice = await issue_invoice(parts, payer, as_of, policy, numbered_in=numbered_in)
        return result


async def _hold(subscription: Subscription, payer: Payer) -> Hold | None:
    """Why ``subscription`` may not be invoiced now (who can act is told once), or None."""
    reason = hold_reason(subscription, payer)
    if reason is HoldReason.PAYMENT_METHOD_MISSING:
        await customer_mail.billing_held_no_payment_method(subscription, payer)
    elif reason is HoldReason.PURCHASE_ORDER_MISSING:
        await customer_mail.invoice_held_for_po(subscription, payer)
    return Hold(subscription.id, reason) if reason is not None else None


async def _numbered_in(parts: list[InvoicePart], payers: dict[Coverage, Payer]) -> Coverage:
    """The sequence an invoice is numbered in: its coverage, or, for merged coverages,
    the coverage the shared profile was approved for."""
    coverages = {part.subscription.coverage for part in parts}
    profile = payers[next(iter(coverages))].profile
    shared = profile is not None and all(
        payer.profile is not None and payer.profile.id == profile.id for payer in payers.values()
    )
    if not shared or profile is None:
        return parts[0].subscription.coverage
    return await home_coverage(profile)


async def home_coverage(profile: InvoiceProfile) -> Coverage:
    """The coverage a profile belongs to: recorded at approval or unmerge; for older
    profiles, the coverage of the application that created it (else JP)."""
    if profile.home_coverage is not None:
        return profile.home_coverage
    application = await InvoiceApplication.filter(profile_id=profile.id).first()
    return application.coverage if application is not None else Coverage.JP


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
    # bursting and post-term use, each hour at the list price in force at that hour
    bursts, post_term = await hourly_usage_values(lines, term, datetime.combine(month_start, time(), UTC))
    usage_lines = [_usage_facts(line) for line in lines.values()]
    return charges + due_usage_charges(term, usage_lines, used, bursts, as_of, ledger, post_term)


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
    caller: Caller, as_of: date | None, policy: BillingPolicy, gateway: PaymentGateway, clock: Clock
) -> RunReport:
    """Staff start a run by hand (the worker runs it daily by itself). An invoice is
    dated the day it is issued: the run is for today (``as_of`` omitted or today),
    unless the clock allows simulating another day (development and tests)."""
    require_staff(caller, "run billing")
    today = clock.today()
    if as_of is None:
        as_of = today
    elif as_of != today and not clock.simulation_allowed:
        raise BusinessError.single(
            ErrorCode.AS_OF_NOT_TODAY,
            f"A billing run issues invoices dated today ({today}); omit asOf or give today's date.",
            "asOf",
        )
    return await run_billing(as_of, policy=policy, gateway=gateway)
