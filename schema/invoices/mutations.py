"""Invoices mutations (mixed into the root ``Mutation``). Each reads its input,
calls one use case and maps the result."""

from __future__ import annotations

import time

import strawberry

from billing.access.caller import SCOPE_ADMIN
from billing.invoicing.invoices import record_payment
from billing.invoicing.run import run_billing_as
from billing.invoicing.voiding import void_invoice
from schema.context import Info
from schema.errors import run_use_case
from schema.ids import pk_of
from schema.invoices.inputs import RecordPaymentInput, RunBillingInput, VoidInvoiceInput
from schema.invoices.payloads import InvoicePayload, RunBillingPayload
from schema.invoices.run_report import BillingRunReport
from schema.invoices.types import InvoiceNode
from schema.permissions import requires


@strawberry.type
class InvoiceMutations:
    @strawberry.mutation(description="Staff: issue everything due today (the worker does it daily).", extensions=[requires(SCOPE_ADMIN)])
    async def run_billing(self, info: Info, input: RunBillingInput) -> RunBillingPayload:
        ctx = info.context
        started = time.monotonic()
        report, errors = await run_use_case(
            run_billing_as(ctx.caller, input.as_of, ctx.billing_policy, ctx.payment_gateway, ctx.clock)
        )
        if report is not None:
            ctx.billing_run_finished(report, time.monotonic() - started)
        return RunBillingPayload(report=report and BillingRunReport.from_domain(report), errors=errors)

    @strawberry.mutation(description="Staff: record that an invoice was paid.", extensions=[requires(SCOPE_ADMIN)])
    async def record_payment(self, info: Info, input: RecordPaymentInput) -> InvoicePayload:
        row, errors = await run_use_case(record_payment(info.context.caller, pk_of(input.invoice_id, "Invoice"), input.paid_on))
        return InvoicePayload(invoice=row and InvoiceNode.from_model(row), errors=errors)

    @strawberry.mutation(
        description="Staff: void an issued (unpaid) invoice. Issues its credit note (a qualified credit note on JP) "
        "with a number of its own, emailed once with its PDF (`Invoice.creditNotes`).",
        extensions=[requires(SCOPE_ADMIN)],
    )
    async def void_invoice(self, info: Info, input: VoidInvoiceInput) -> InvoicePayload:
        voided = void_invoice(
            info.context.caller, pk_of(input.invoice_id, "Invoice"), input.reason, info.context.clock.today()
        )
        row, errors = await run_use_case(voided)
        return InvoicePayload(invoice=row and InvoiceNode.from_model(row), errors=errors)
