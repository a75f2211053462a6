"""Payment settings mutations (mixed into the root ``Mutation``). Each reads its
input, calls one use case and maps the result."""

from __future__ import annotations

import strawberry

from billing.access.caller import SCOPE_ADMIN, SCOPE_BILLING_WRITE
from billing.payment_settings.applications import (
    apply_for_invoice_payment,
    approve_application,
    reject_application,
)
from billing.payment_settings.cards import register_credit_card
from billing.payment_settings.merging import (
    merge_invoice_payment,
    unmerge_invoice_payment,
)
from billing.payment_settings.profiles import update_invoice_profile
from schema.context import Info
from schema.errors import run_use_case
from schema.ids import pk_of
from schema.payment.inputs import (
    ApplyForInvoicePaymentInput,
    ApproveInvoiceApplicationInput,
    MergeInvoicePaymentInput,
    RegisterCreditCardInput,
    RejectInvoiceApplicationInput,
    UnmergeInvoicePaymentInput,
    UpdateInvoiceProfileInput,
    given_fields,
)
from schema.payment.payloads import (
    ApplyForInvoicePaymentPayload,
    ApproveInvoiceApplicationPayload,
    MergeInvoicePaymentPayload,
    RegisterCreditCardPayload,
    RejectInvoiceApplicationPayload,
    UnmergeInvoicePaymentPayload,
    UpdateInvoiceProfilePayload,
)
from schema.payment.types import (
    InvoiceApplicationNode,
    InvoiceProfileNode,
    PaymentSettings,
)
from schema.permissions import requires


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        description="Pay a coverage by the tokenised card.",
        extensions=[requires(SCOPE_BILLING_WRITE)],
    )
    async def register_credit_card(
        self, info: Info, input: RegisterCreditCardInput
    ) -> RegisterCreditCardPayload:
        ctx = info.context
        view, errors = await run_use_case(
            register_credit_card(
                ctx.caller, ctx.payment_gateway, input.coverage, input.token,
                confirm_switch=input.confirm_switch_from_invoice,
                receipt_email=input.receipt_email,
                receipt_language=input.receipt_language,
            )
        )
        settings = view and PaymentSettings.from_domain(view)
        return RegisterCreditCardPayload(payment_settings=settings, errors=errors)

    @strawberry.mutation(
        description="Apply to pay a coverage by invoice (staff decide).",
        extensions=[requires(SCOPE_BILLING_WRITE)],
    )
    async def apply_for_invoice_payment(
        self, info: Info, input: ApplyForInvoicePaymentInput
    ) -> ApplyForInvoicePaymentPayload:
        ctx = info.context
        row, errors = await run_use_case(
            apply_for_invoice_payment(ctx.caller, ctx.invoice_fees, input.coverage, given_fields(input))
        )
        node = row and InvoiceApplicationNode.from_model(row)
        return ApplyForInvoicePaymentPayload(application=node, errors=errors)

    @strawberry.mutation(
        description="Staff: approve an application; the coverage then pays by invoice.",
        extensions=[requires(SCOPE_ADMIN)],
    )
    async def approve_invoice_application(
        self, info: Info, input: ApproveInvoiceApplicationInput
    ) -> ApproveInvoiceApplicationPayload:
        application_id = pk_of(input.application_id, "InvoiceApplication")
        row, errors = await run_use_case(approve_application(info.context.caller, application_id))
        node = row and InvoiceApplicationNode.from_model(row)
        return ApproveInvoiceApplicationPayload(application=node, errors=errors)

    @strawberry.mutation(
        description="Staff: reject an application with a reason.",
        extensions=[requires(SCOPE_ADMIN)],
    )
    async def reject_invoice_application(
        self, info: Info, input: RejectInvoiceApplicationInput
    ) -> RejectInvoiceApplicationPayload:
        row, errors = await run_use_case(
            reject_application(info.context.caller, pk_of(input.application_id, "InvoiceApplication"), input.reason)
        )
        node = row and InvoiceApplicationNode.from_model(row)
        return RejectInvoiceApplicationPayload(application=node, errors=errors)

    @strawberry.mutation(
        description="Edit a coverage's invoice profile, naming the version read.",
        extensions=[requires(SCOPE_BILLING_WRITE)],
    )
    async def update_invoice_profile(
        self, info: Info, input: UpdateInvoiceProfileInput
    ) -> UpdateInvoiceProfilePayload:
        changes = given_fields(input)
        view, errors = await run_use_case(
            update_invoice_profile(info.context.caller, input.coverage, input.expected_version, changes)
        )
        return UpdateInvoiceProfilePayload(invoice_profile=view and InvoiceProfileNode.from_view(view), errors=errors)

    @strawberry.mutation(
        description="Pay `into` by invoice through `from`'s profile.",
        extensions=[requires(SCOPE_BILLING_WRITE)],
    )
    async def merge_invoice_payment(
        self, info: Info, input: MergeInvoicePaymentInput
    ) -> MergeInvoicePaymentPayload:
        view, errors = await run_use_case(merge_invoice_payment(info.context.caller, input.from_, input.into))
        settings = view and PaymentSettings.from_domain(view)
        return MergeInvoicePaymentPayload(payment_settings=settings, errors=errors)

    @strawberry.mutation(
        description="Give a merged coverage its own copy of the profile.",
        extensions=[requires(SCOPE_BILLING_WRITE)],
    )
    async def unmerge_invoice_payment(
        self, info: Info, input: UnmergeInvoicePaymentInput
    ) -> UnmergeInvoicePaymentPayload:
        view, errors = await run_use_case(unmerge_invoice_payment(info.context.caller, input.coverage))
        settings = view and PaymentSettings.from_domain(view)
        return UnmergeInvoicePaymentPayload(payment_settings=settings, errors=errors)
