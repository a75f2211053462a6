"""Mutation payloads: the changed object and the expected failures."""

from __future__ import annotations

import strawberry

from schema.errors import Payload
from schema.payment.types import (
    InvoiceApplicationNode,
    InvoiceProfileNode,
    PaymentSettings,
)


@strawberry.type(description="The result of registerCreditCard.")
class RegisterCreditCardPayload(Payload):
    payment_settings: PaymentSettings | None = strawberry.field(description="The coverage's settings after the change.")


@strawberry.type(description="The result of applyForInvoicePayment.")
class ApplyForInvoicePaymentPayload(Payload):
    application: InvoiceApplicationNode | None = strawberry.field(description="The pending application.")


@strawberry.type(description="The result of approveInvoiceApplication.")
class ApproveInvoiceApplicationPayload(Payload):
    application: InvoiceApplicationNode | None = strawberry.field(description="The approved application.")


@strawberry.type(description="The result of rejectInvoiceApplication.")
class RejectInvoiceApplicationPayload(Payload):
    application: InvoiceApplicationNode | None = strawberry.field(description="The rejected application.")


@strawberry.type(description="The result of updateInvoiceProfile.")
class UpdateInvoiceProfilePayload(Payload):
    invoice_profile: InvoiceProfileNode | None = strawberry.field(description="The profile after the change.")


@strawberry.type(description="The result of mergeInvoicePayment.")
class MergeInvoicePaymentPayload(Payload):
    payment_settings: PaymentSettings | None = strawberry.field(
        description="The settings of the merged (`into`) coverage."
    )


@strawberry.type(description="The result of unmergeInvoicePayment.")
class UnmergeInvoicePaymentPayload(Payload):
    payment_settings: PaymentSettings | None = strawberry.field(description="The separated coverage's settings.")
