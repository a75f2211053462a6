"""Issuing one invoice for what is due on one subscription, inside the caller's
transaction: number, bill-to snapshot, lines, taxes, due date, ledger rows and
the email in the outbox. Either all of it is written or none."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from billing import customer_mail
from billing.customer_mail import Payer
from billing.invoicing.numbers import allocate_number
from billing.policy import BillingPolicy
from billing.rules.payment_terms import due_date
from billing.rules.recurring_charges import ChargeKind, DueCharge
from billing.rules.tax import compute_taxes, total_tax
from kit.money import Currency, from_minor_units, to_minor_units
from models.coverage import Coverage
from models.invoices import BilledCharge, ChargeState, Invoice, InvoiceLine, InvoiceTax
from models.orders import OrderLine, Subscription, order_number

TAXED_COVERAGES = frozenset({Coverage.JP})


def _sum(amounts: Sequence[Decimal], currency: Currency) -> Decimal:
    return from_minor_units(sum(to_minor_units(a, currency) for a in amounts), currency)


async def issue_invoice(
    subscription: Subscription,
    charges: Sequence[DueCharge],
    lines: dict[int, OrderLine],
    payer: Payer,
    as_of: date,
    policy: BillingPolicy,
) -> Invoice:
    """Write the invoice for ``charges`` (not empty). Call inside a transaction
    holding the subscription's lock."""
    coverage = subscription.coverage
    currency = coverage.currency
    amounts = [c.amount for c in charges]
    taxes = compute_taxes(
        [(c.amount, lines[c.line_id].tax_category) for c in charges], currency, policy.tax_rounding,
        taxed=coverage in TAXED_COVERAGES,
    )
    subtotal = _sum(amounts, currency)
    tax_total = total_tax(taxes, currency)
    number, sequence = await allocate_number(coverage, as_of.year)
    invoice = await Invoice.create(
        account_id=subscription.account_id, subscription_id=subscription.id, coverage=coverage,
        number=number, year=as_of.year, sequence=sequence, issue_date=as_of,
        due_date=due_date(as_of, subscription.payment_terms), currency=currency.value,
        payment_terms=subscription.payment_terms, po_number=subscription.po_number,
        subtotal=subtotal, tax_total=tax_total, total=subtotal + tax_total,
        bill_to=payer.bill_to(), issuer=policy.issuer(), language=payer.language(),
        charge_state=ChargeState.PENDING if payer.card_reference else ChargeState.NONE,
    )
    await InvoiceLine.bulk_create([_invoice_line(invoice, i, c, lines[c.line_id]) for i, c in enumerate(charges)])
    await InvoiceTax.bulk_create([
        InvoiceTax(invoice=invoice, category=t.category, rate=t.rate, taxable_amount=t.taxable_amount,
                   tax_amount=t.tax_amount)
        for t in taxes
    ])
    # The unique (order_line, kind, period_start) key refuses a second bill for a
    # period, whatever the code above decided: the whole invoice then rolls back.
    await BilledCharge.bulk_create([
        BilledCharge(order_line_id=c.line_id, kind=c.kind, period_start=c.period_start, invoice=invoice)
        for c in charges
    ])
    await customer_mail.invoice_issued(invoice, payer)
    return invoice


def _invoice_line(invoice: Invoice, position: int, charge: DueCharge, line: OrderLine) -> InvoiceLine:
    product, description = charge_wording(charge.kind, line)
    return InvoiceLine(
        invoice=invoice, position=position, order_number=order_number(line.order_id), product=product,
        description=description, period_start=charge.service.start, period_end=charge.service.end,
        amount=charge.amount, tax_category=line.tax_category, kind=charge.kind,
    )


_PRODUCT_LENGTH = 100
_SUFFIX = {ChargeKind.OVERAGE: " — overage", ChargeKind.BURSTING: " — bursting"}


def charge_wording(kind: ChargeKind, line: OrderLine) -> tuple[str, str]:
    """The invoice line's product and description: the order line's own for a
    recurring charge; ``"<product> — overage"`` / ``"— bursting"`` for usage."""
    if kind is ChargeKind.RECURRING:
        return line.product, line.description
    suffix = _SUFFIX[kind]
    product = line.product[: _PRODUCT_LENGTH - len(suffix)] + suffix
    if kind is ChargeKind.OVERAGE:
        discount = (line.discount_rate * 100).normalize()
        return product, f"Usage beyond the monthly commitment, at list price less {discount:f} %"
    return product, f"Hourly use above {line.subscribed_units} subscribed units, at list price per unit-hour"
