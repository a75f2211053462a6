"""Tortoise models. Every model module is imported here so that Tortoise, which
is configured with the module ``models``, discovers all of them."""

from models.accounts import Account, Member, Role
from models.invoice_profile import InvoiceApplication, InvoiceProfile, ProfileChange
from models.oauth import IssuedToken, OAuthClient
from models.outbox import OutboxMessage, OutboxStatus
from models.payment import PaymentSettings

__all__ = ["Account", "IssuedToken", "Member", "OAuthClient", "OutboxMessage", "OutboxStatus", "Role"]
__all__ += ["InvoiceApplication", "InvoiceProfile", "PaymentSettings", "ProfileChange"]
