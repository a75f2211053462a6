"""Tortoise models. Every model module is imported here so that Tortoise, which
is configured with the module ``models``, discovers all of them."""

from models.accounts import Account, Member, Role
from models.billing_runs import BillingFailure
from models.credit_notes import CreditNote, CreditNoteCounter
from models.events import AccountEventCounter, InvoiceEvent, InvoiceEventType
from models.idempotency import IdempotencyRecord
from models.invoice_documents import DocumentKind, InvoiceDocumentFile
from models.invoice_profile import InvoiceApplication, InvoiceProfile, ProfileChange
from models.invoices import (
    BilledCharge,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceTax,
)
from models.oauth import AuthorizationCode, IssuedToken, OAuthClient, RefreshToken
from models.orders import Order, OrderLine, Subscription
from models.outbox import OutboxMessage, OutboxStatus
from models.payment import PaymentSettings
from models.prices import ListPrice
from models.usage import BurstRecord, PostTermRecord, UsageRecord
from models.users import User
from models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = ["Account", "IssuedToken", "Member", "OAuthClient", "Role"]
__all__ += ["InvoiceApplication", "InvoiceProfile", "PaymentSettings", "ProfileChange"]
__all__ += ["OutboxMessage", "OutboxStatus"]
__all__ += ["BilledCharge", "Invoice", "InvoiceCounter", "InvoiceLine", "InvoiceTax", "Order", "OrderLine", "Subscription"]
__all__ += ["BurstRecord", "ListPrice", "PostTermRecord", "UsageRecord"]
__all__ += ["BillingFailure", "CreditNote", "CreditNoteCounter", "DocumentKind", "InvoiceDocumentFile"]
__all__ += ["AuthorizationCode", "RefreshToken", "User"]
__all__ += ["AccountEventCounter", "IdempotencyRecord", "InvoiceEvent", "InvoiceEventType"]
__all__ += ["DeliveryStatus", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint"]
