"""Issuing invoices, inside the caller's transaction: number, bill-to snapshot,
lines, taxes, due date, ledger rows, the INVOICE_ISSUED event and the email in the outbox. Either all of it
is written or none. ``issue_invoices`` writes a whole chunk of a billing run with
a fixed number of statements (plus each invoice's outbox email). The invoice's
PDF is rendered from these rows right after, outside the transaction
(``billing.documents.stored``).

An invoice bills one or more *parts*: what one subscription owes in this run. It
has one part, except for coverages that pay through one merged invoice profile:
then it bills every due subscription of both coverages. Its lines are grouped by
coverage, and each coverage (so each currency) has its own subtotal, tax per rate
and total; amounts are never converted between currencies. The invoice itself
has one number, one bill-to, one due date and one email.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from billing import customer_mail, events
from billing.customer_mail import Payer
from billing.invoicing.numbers import allocate_numbers
from billing.policy import BillingPolicy
from billing.rules.payment_terms import due_date
from billing.rules.recurring_charges import ChargeKind, DueCharge
from billing.rules.tax import TaxBreakdown, compute_taxes, total_tax
from kit.money import Currency, Money, from_minor_units, to_minor_units
from models.coverage import Coverage
from models.events import InvoiceEventType
from models.invoices import BilledCharge, ChargeState, Invoice, InvoiceLine, InvoiceTax
from models.orders import OrderLine, Subscription, order_number
from models.terms import PaymentTerms

TAXED_COVERAGES = frozenset({Coverage.JP})


@dataclass(frozen=True)
class InvoicePart:
    """What one subscription owes on an invoice: its due charges (not empty) and
    its order lines by id."""

    subscription: Subscription
    charges: Sequence[DueCharge]
    lines: Mapping[int, OrderLine]


@dataclass(frozen=True)
class CoverageGroup:
    """The lines of one coverage on an invoice, with that currency's amounts."""

    coverage: Coverage
    parts: tuple[InvoicePart, ...]
    taxes: list[TaxBreakdown]
    subtotal: Money
    tax_total: Money

    @property
    def total(self) -> Money:
        return self.subtotal + self.tax_total


def _sum(amounts: Sequence[Decimal], currency: Currency) -> Money:
    return Money(from_minor_units(sum(to_minor_units(a, currency) for a in amounts), currency), currency)


def coverage_groups(parts: Sequence[InvoicePart], policy: BillingPolicy, first: Coverage) -> list[CoverageGroup]:
    """The parts grouped by coverage, ``first`` first; tax once per rate per group."""
    groups = []
    for coverage in sorted({p.subscription.coverage for p in parts}, key=lambda c: (c is not first, c.value)):
        mine = tuple(p for p in parts if p.subscription.coverage is coverage)
        currency = coverage.currency
        charges = [(c, p.lines[c.line_id]) for p in mine for c in p.charges]
        taxes = compute_taxes(
            [(c.amount, line.tax_category) for c, line in charges], currency, policy.tax_rounding,
            taxed=coverage in TAXED_COVERAGES,
        )
        subtotal = _sum([c.amount for c, _ in charges], currency)
        groups.append(CoverageGroup(coverage, mine, taxes, subtotal, Money(total_tax(taxes, currency), currency)))
    return groups


def _terms_and_due_date(parts: Sequence[InvoicePart], as_of: date) -> tuple[PaymentTerms, date]:
    """The earliest due date the parts' payment terms give (paying by it honours
    every subscription's terms), and the terms that give it."""
    terms = {p.subscription.payment_terms for p in parts}
    return min(((t, due_date(as_of, t)) for t in terms), key=lambda pair: (pair[1], pair[0].value))


def _common_po(parts: Sequence[InvoicePart]) -> str | None:
    """The PO number of the invoice: the parts' PO when they share one (each line
    carries its own subscription's PO in any case)."""
    numbers = {p.subscription.po_number for p in parts}
    return numbers.pop() if len(numbers) == 1 else None


@dataclass(frozen=True)
class InvoiceDraft:
    """One invoice to issue: its parts (not empty), who pays it, and the sequence it
    is numbered in."""

    parts: tuple[InvoicePart, ...]
    payer: Payer
    numbered_in: Coverage


async def issue_invoice(
    parts: Sequence[InvoicePart], payer: Payer, as_of: date, policy: BillingPolicy, *, numbered_in: Coverage
) -> Invoice:
    """Write the invoice for ``parts`` (not empty), numbered in ``numbered_in``'s
    sequence. Call inside a transaction holding the parts' subscription locks."""
    (invoice,) = await issue_invoices([InvoiceDraft(tuple(parts), payer, numbered_in)], as_of, policy)
    return invoice


async def issue_invoices(drafts: Sequence[InvoiceDraft], as_of: date, policy: BillingPolicy) -> list[Invoice]:
    """Write the invoices of ``drafts``, in order, with a fixed number of statements
    whatever their number (one block of numbers per sequence; invoices, lines, taxes
    and ledger rows each in one bulk insert; the invoices' ids read back in one
    query), plus the outbox email of each. Call inside a transaction holding the
    parts' subscription locks: if any row is refused, the caller rolls all back."""
    if not drafts:
        return []
    groups = [coverage_groups(d.parts, policy, d.numbered_in) for d in drafts]
    now = datetime.now(UTC)
    invoices = [
        _invoice(draft, draft_groups, as_of, policy, number, sequence, now)
        for draft, draft_groups, (number, sequence) in zip(
            drafts, groups, await _numbers(drafts, as_of.year), strict=True
        )
    ]
    await Invoice.bulk_create(invoices)
    ids = {
        (coverage, number): invoice_id
        for invoice_id, coverage, number in await Invoice.filter(number__in=[i.number for i in invoices])
        .values_list("id", "coverage", "number")
    }
    for invoice in invoices:
        invoice.id = ids[(invoice.coverage, invoice.number)]
        invoice._saved_in_db = True
    await InvoiceLine.bulk_create([
        _invoice_line(invoice, position, group.coverage, part.subscription, charge, part.lines[charge.line_id])
        for invoice, draft_groups in zip(invoices, groups, strict=True)
        for position, (group, part, charge) in enumerate(
            (group, part, charge) for group in draft_groups for part in group.parts for charge in part.charges
        )
    ])
    await InvoiceTax.bulk_create([
        InvoiceTax(invoice=invoice, coverage=group.coverage, category=t.category, rate=t.rate,
                   taxable_amount=t.taxable_amount, tax_amount=t.tax_amount)
        for invoice, draft_groups in zip(invoices, groups, strict=True) for group in draft_groups for t in group.taxes
    ])
    # The unique (order_line, kind, period_start) key refuses a second bill for a
    # period, whatever the code above decided: the whole transaction then rolls back.
    await BilledCharge.bulk_create([
        BilledCharge(order_line_id=c.line_id, kind=c.kind, period_start=c.period_start, invoice=invoice)
        for invoice, draft in zip(invoices, drafts, strict=True) for part in draft.parts for c in part.charges
    ])
    await events.record([events.Change(invoice, InvoiceEventType.INVOICE_ISSUED) for invoice in invoices], now)
    for invoice, draft, draft_groups in zip(invoices, drafts, groups, strict=True):
        await customer_mail.invoice_issued(
            invoice, draft.payer, [(group.coverage, group.total) for group in draft_groups],
            policy.bank if invoice.charge_state is ChargeState.NONE else None,
        )
    return invoices


async def _numbers(drafts: Sequence[InvoiceDraft], year: int) -> list[tuple[str, int]]:
    """The drafts' numbers, in order: one block per sequence, taken in a fixed order
    of sequences (two runs never wait for each other's counters crosswise)."""
    wanted: dict[Coverage, int] = {}
    for draft in drafts:
        wanted[draft.numbered_in] = wanted.get(draft.numbered_in, 0) + 1
    blocks = {
        coverage: iter(await allocate_numbers(coverage, year, count))
        for coverage, count in sorted(wanted.items(), key=lambda item: item[0].value)
    }
    return [next(blocks[draft.numbered_in]) for draft in drafts]


def _invoice(
    draft: InvoiceDraft, groups: Sequence[CoverageGroup], as_of: date, policy: BillingPolicy, number: str,
    sequence: int, now: datetime,
) -> Invoice:
    parts, payer = draft.parts, draft.payer
    single = groups[0] if len(groups) == 1 else None
    terms, due = _terms_and_due_date(parts, as_of)
    bill_to = payer.bill_to()
    return Invoice(
        account_id=parts[0].subscription.account_id,
        subscription_id=parts[0].subscription.id if len(parts) == 1 else None,
        coverage=draft.numbered_in, number=number, year=as_of.year, sequence=sequence, issue_date=as_of,
        due_date=due, payment_terms=terms, po_number=_common_po(parts),
        currency=single.subtotal.currency.value if single else None,
        subtotal=single.subtotal.amount if single else None,
        tax_total=single.tax_total.amount if single else None,
        total=single.total.amount if single else None,
        document_pending=True, bill_to=bill_to, counterparty=str(bill_to.get("company_name") or "")[:200], issuer=policy.issuer(),
        language=payer.language(),
        charge_state=ChargeState.PENDING if payer.card_reference and single else ChargeState.NONE,
        updated_at=now,
    )


def _invoice_line(
    invoice: Invoice, position: int, coverage: Coverage, subscription: Subscription, charge: DueCharge,
    line: OrderLine,
) -> InvoiceLine:
    product, description = charge_wording(charge.kind, line)
    return InvoiceLine(
        invoice=invoice, position=position, order_number=order_number(line.order_id), product=product,
        description=description, period_start=charge.service.start, period_end=charge.service.end,
        amount=charge.amount, tax_category=line.tax_category, kind=charge.kind, coverage=coverage,
        po_number=subscription.po_number,
    )


_PRODUCT_LENGTH = 100
_SUFFIX = {
    ChargeKind.OVERAGE: " — overage", ChargeKind.BURSTING: " — bursting", ChargeKind.POST_TERM: " — after the term",
}


def charge_wording(kind: ChargeKind, line: OrderLine) -> tuple[str, str]:
    """The invoice line's product and description: the order line's own for a
    recurring charge; ``"<product> — overage"`` / ``"— bursting"`` / ``"— after the
    term"`` for usage."""
    if kind is ChargeKind.RECURRING:
        return line.product, line.description
    suffix = _SUFFIX[kind]
    product = line.product[: _PRODUCT_LENGTH - len(suffix)] + suffix
    if kind is ChargeKind.OVERAGE:
        discount = (line.discount_rate * 100).normalize()
        return product, f"Usage beyond the monthly commitment, at list price less {discount:f} %"
    if kind is ChargeKind.POST_TERM:
        return product, "Hourly use after the term end, at the list price in force at each hour"
    return product, f"Hourly use above {line.subscribed_units} subscribed units, at list price per unit-hour"
