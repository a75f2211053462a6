"""Mutation payloads: the changed object and the expected failures."""

from __future__ import annotations

import strawberry

from schema.errors import PAYLOAD_ERRORS, UserError
from schema.payment.types import (
    InvoiceApplicationNode,
    InvoiceProfileNode,
    PaymentSettings,
)


@strawberry.type(description="The result of registerCreditCard.")
class RegisterCreditCardPayload:
    payment_settings: PaymentSettings | None = strawberry.field(description="The coverage's settings after the change.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of applyForInvoicePayment.")
class ApplyForInvoicePaymentPayload:
    application: InvoiceApplicationNode | None = strawberry.field(description="The pending application.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of approveInvoiceApplication.")
class ApproveInvoiceApplicationPayload:
    application: InvoiceApplicationNode | None = strawberry.field(description="The approved application.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of rejectInvoiceApplication.")
class RejectInvoiceApplicationPayload:
    application: InvoiceApplicationNode | None = strawberry.field(description="The rejected application.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of updateInvoiceProfile.")
class UpdateInvoiceProfilePayload:
    invoice_profile: InvoiceProfileNode | None = strawberry.field(description="The profile after the change.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of mergeInvoicePayment.")
class MergeInvoicePaymentPayload:
    payment_settings: PaymentSettings | None = strawberry.field(
        description="The settings of the merged (`into`) coverage."
    )
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of unmergeInvoicePayment.")
class UnmergeInvoicePaymentPayload:
    payment_settings: PaymentSettings | None = strawberry.field(description="The separated coverage's settings.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)
