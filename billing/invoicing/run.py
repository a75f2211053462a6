"""The billing run: issue everything due on one day, one billing unit at a time.

A unit is one subscription, or, for an account whose two coverages pay through
one merged invoice profile, every due subscription of that account: a merged
group gets one invoice per run (lines grouped by coverage, one total per
currency). Whether coverages are merged is read when the run bills them, so a
period straddling a merge or an unmerge is billed on whichever invoice the run
that reaches it issues; nothing issued before changes.

Units are billed in chunks (``CHUNK_UNITS``), each chunk in one short transaction
that first claims its subscription rows (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL): two runs, or several worker processes sharing one run, never bill the
same subscription at once, and the ledger's unique key stops a second bill for a
period in any case. A chunk reads what it needs in one query per table and writes
its invoices in bulk, so a run costs a few statements per chunk plus the outbox
email of each invoice. If anything in a chunk fails, its transaction rolls back
whole (no number used) and its units are billed again one per transaction, so
only the failing unit is recorded. Card invoices are charged after their
transaction has committed (never inside it).

A subscription with charges due is held, not invoiced, when its coverage has no
payment method (the account's owners are told once) or when it needs a PO and
has neither a PO nor an exemption (the payer is told once).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

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
from billing.invoicing.issue import InvoiceDraft, InvoicePart, issue_invoices
from billing.invoicing.past_due import record_past_due
from billing.invoicing.run_facts import read_chunk_facts
from billing.payment_settings.gateway import PaymentGateway
from billing.policy import BillingPolicy
from billing.rules.recurring_charges import DueCharge
from models.accounts import Account
from models.billing_runs import BillingFailure
from models.coverage import Coverage
from models.invoice_profile import InvoiceApplication, InvoiceProfile
from models.invoices import ChargeState, Invoice
from models.orders import OrderLine, Subscription
from models.payment import PaymentSettings

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
    units another worker was billing, units that failed, the card charges made, and
    the invoices found past due (their INVOICE_PAST_DUE events recorded)."""

    as_of: date
    issued: list[str] = field(default_factory=list)
    held: list[Hold] = field(default_factory=list)
    claimed_elsewhere: int = 0
    failures: list[UnitFailure] = field(default_factory=list)
    charges: list[ChargeOutcome] = field(default_factory=list)
    past_due: list[str] = field(default_factory=list)

    @property
    def declined(self) -> list[str]:
        return [c.invoice_number for c in self.charges if c.state is ChargeState.DECLINED]

    @property
    def held_subscriptions(self) -> list[int]:
        return [hold.subscription_id for hold in self.held]


CHUNK_UNITS = 100
"""Units billed per transaction: their reads, numbers and inserts are batched."""


Progress = Callable[[int, int], None]
"""Told ``(units billed so far, units in the run)`` after each chunk (the CLI's progress bar)."""


async def run_billing(
    as_of: date, *, policy: BillingPolicy, gateway: PaymentGateway, chunk_units: int = CHUNK_UNITS,
    progress: Progress | None = None,
) -> RunReport:
    """Issue everything due on ``as_of``; safe to run again and concurrently.

    ``gateway`` is the configured one (``Services.payment_gateway``): a run never
    picks a gateway by itself, so it cannot charge real cards through a test one.
    Units are billed ``chunk_units`` at a time, each chunk in one transaction.
    """
    report = RunReport(as_of)
    for invoice_id in await pending_card_invoices():  # charges a dead process never made
        report.charges.append(await charge_invoice(gateway, invoice_id))
    units = await billing_units(as_of)
    for start in range(0, len(units), chunk_units):
        await _bill_chunk(units[start:start + chunk_units], as_of, policy, gateway, report)
        if progress is not None:
            progress(min(start + chunk_units, len(units)), len(units))
    report.past_due = await record_past_due(as_of)
    log.info(
        "billing run %s: %d issued, %d held, %d failed",
        as_of, len(report.issued), len(report.held), len(report.failures),
    )
    return report


async def _bill_chunk(
    chunk: list[tuple[int, ...]], as_of: date, policy: BillingPolicy, gateway: PaymentGateway, report: RunReport
) -> None:
    """Bill ``chunk`` in one transaction, then charge its card invoices. If anything
    fails, the transaction has rolled back (no number used, nothing written) and each
    unit is billed again alone: only the unit that fails is recorded as failed."""
    try:
        results = await bill_units(chunk, as_of, policy)
    except Exception as exc:  # one bad subscription never stops the others' billing
        if len(chunk) == 1:
            report.failures.append(await _record_failure(chunk[0], as_of, exc))
            return
        log.warning("billing run %s: a chunk of %d units failed; billing them one by one", as_of, len(chunk))
        for unit in chunk:
            await _bill_chunk([unit], as_of, policy, gateway, report)
        return
    for result in results:
        report.held += result.held
        report.claimed_elsewhere += result.claimed_elsewhere
        if result.invoice is not None:
            report.issued.append(result.invoice.number)
    for result in results:
        if result.invoice is not None and result.invoice.charge_state is ChargeState.PENDING:
            report.charges.append(await charge_invoice(gateway, result.invoice.id))


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
    (result,) = await bill_units([subscription_ids], as_of, policy)
    return result


async def bill_units(units: list[tuple[int, ...]], as_of: date, policy: BillingPolicy) -> list[UnitResult]:
    """Claim the units' subscriptions and issue what is due on them, in one
    transaction: a unit any of whose subscriptions another worker holds is left to
    it. Every read is one query for the whole chunk (``run_facts``, the payers), the
    invoices are written in bulk (``issue_invoices``)."""
    async with in_transaction() as connection:
        if connection.capabilities.dialect == "postgres":
            # The run reads back from tables it is filling (invoices, the outbox). A
            # pooled connection keeps its prepared statements, and PostgreSQL may keep
            # a generic plan made while a table was nearly empty (a sequential scan)
            # long after it has grown: then each lookup scans the table and a run's
            # time grows with the square of its size. Plan with the current sizes.
            await connection.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")
        wanted = [subscription_id for unit in units for subscription_id in unit]
        claimed = {
            s.id: s for s in await Subscription.filter(id__in=wanted).order_by("id").select_for_update(skip_locked=True)
        }
        results = [UnitResult(claimed_elsewhere=not all(i in claimed for i in unit)) for unit in units]
        mine = [[claimed[i] for i in unit] for unit, r in zip(units, results, strict=True) if not r.claimed_elsewhere]
        facts = await read_chunk_facts([s for subscriptions in mine for s in subscriptions], as_of)
        due = {s.id: charges for subscriptions in mine for s in subscriptions if (charges := facts.due(s))}
        owing = [unit for unit in mine if any(s.id in due for s in unit)]
        payers = await _payers({(s.account_id, s.coverage) for unit in owing for s in unit})
        homes = await home_coverages([p.profile for p in payers.values() if p.profile is not None])
        drafted = [
            (result, await _draft(unit, due, facts.lines, payers, homes, result))
            for unit, result in zip(mine, (r for r in results if not r.claimed_elsewhere), strict=True)
            if any(s.id in due for s in unit)
        ]
        billed = [(result, draft) for result, draft in drafted if draft is not None]
        invoices = await issue_invoices([draft for _, draft in billed], as_of, policy)
        for (result, _), invoice in zip(billed, invoices, strict=True):
            result.invoice = invoice
        return results


async def _draft(
    subscriptions: list[Subscription], due: dict[int, list[DueCharge]], lines: Mapping[int, dict[int, OrderLine]],
    payers: dict[tuple[uuid.UUID, Coverage], Payer], homes: dict[int, Coverage], result: UnitResult,
) -> InvoiceDraft | None:
    """The invoice of one unit: its subscriptions with charges due, less those held
    (added to ``result``, and who can act is told); None if all are held."""
    parts = []
    for subscription in subscriptions:
        if subscription.id not in due:
            continue
        hold = await _hold(subscription, payers[(subscription.account_id, subscription.coverage)])
        if hold is not None:
            result.held.append(hold)
        else:
            parts.append(InvoicePart(subscription, due[subscription.id], lines[subscription.id]))
    if not parts:
        return None
    unit_payers = {s.coverage: payers[(s.account_id, s.coverage)] for s in subscriptions}
    numbered_in = _numbered_in(parts, unit_payers, homes)
    payer = unit_payers.get(numbered_in) or await _payer(subscriptions[0].account_id, numbered_in, payers)
    return InvoiceDraft(tuple(parts), payer, numbered_in)


async def _payers(keys: set[tuple[uuid.UUID, Coverage]]) -> dict[tuple[uuid.UUID, Coverage], Payer]:
    """How each (account, coverage) pays, with the account's name: three queries."""
    if not keys:
        return {}
    ordered = sorted(keys, key=lambda key: (str(key[0]), key[1].value))
    names = dict(await Account.filter(id__in=list({a for a, _ in ordered})).values_list("id", "name"))
    return {
        key: replace(payer, account_name=names[key[0]])
        for key, payer in zip(ordered, await customer_mail.load_payers(ordered), strict=True)
    }


async def _payer(
    account_id: uuid.UUID, coverage: Coverage, payers: dict[tuple[uuid.UUID, Coverage], Payer]
) -> Payer:
    """The payer of a coverage the unit has no subscription on (a merged invoice
    numbered in its profile's home coverage)."""
    found = payers.get((account_id, coverage))
    if found is None:
        found = (await _payers({(account_id, coverage)}))[(account_id, coverage)]
    return found


async def _hold(subscription: Subscription, payer: Payer) -> Hold | None:
    """Why ``subscription`` may not be invoiced now (who can act is told once), or None."""
    reason = hold_reason(subscription, payer)
    if reason is HoldReason.PAYMENT_METHOD_MISSING:
        await customer_mail.billing_held_no_payment_method(subscription, payer)
    elif reason is HoldReason.PURCHASE_ORDER_MISSING:
        await customer_mail.invoice_held_for_po(subscription, payer)
    return Hold(subscription.id, reason) if reason is not None else None


def _numbered_in(parts: list[InvoicePart], payers: dict[Coverage, Payer], homes: dict[int, Coverage]) -> Coverage:
    """The sequence an invoice is numbered in: its coverage, or, for merged coverages,
    the coverage the shared profile was approved for (``homes``, by profile id)."""
    coverages = {part.subscription.coverage for part in parts}
    profile = payers[next(iter(coverages))].profile
    shared = profile is not None and all(
        payer.profile is not None and payer.profile.id == profile.id for payer in payers.values()
    )
    if not shared or profile is None:
        return parts[0].subscription.coverage
    return homes[profile.id]


async def home_coverages(profiles: list[InvoiceProfile]) -> dict[int, Coverage]:
    """The coverage each profile belongs to: recorded at approval or unmerge; for older
    profiles, the coverage of the (first) application that created it, else JP. One
    query, only when some profile predates the recorded home coverage."""
    homes = {p.id: p.home_coverage for p in profiles if p.home_coverage is not None}
    older = sorted({p.id for p in profiles if p.home_coverage is None})
    found: dict[int, Coverage] = {}
    if older:
        for profile_id, coverage in await InvoiceApplication.filter(profile_id__in=older).order_by("-id").values_list(
            "profile_id", "coverage"
        ):
            found[profile_id] = coverage  # the lowest id is written last
    return {**{profile_id: found.get(profile_id, Coverage.JP) for profile_id in older}, **homes}


async def run_billing_as(
    caller: Caller, as_of: date | None, policy: BillingPolicy, gateway: PaymentGateway, clock: Clock,
    progress: Progress | None = None,
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
    return await run_billing(as_of, policy=policy, gateway=gateway, progress=progress)
