"""Demo data for a first look (``portal demo``). Running it again changes nothing."""

from __future__ import annotations

import uuid

from api.oauth.store import create_client
from billing.accounts import add_member, create_account
from models.accounts import Account, Role
from models.oauth import OAuthClient

DEMO_ACCOUNT_ID = uuid.UUID("6f1c4a52-3c1e-4d7e-9a57-0b5d2f6e8a01")
DEMO_MEMBERS = {"demo-owner": Role.OWNER, "demo-billing": Role.BILLING_ADMIN, "demo-viewer": Role.VIEWER}


async def load_demo_data() -> list[str]:
    """Create the demo account, its members and a partner client; report what was made."""
    report = []
    account = await Account.get_or_none(id=DEMO_ACCOUNT_ID)
    if account is None:
        account = await create_account("Demo IoT K.K.", "demo-owner", account_id=DEMO_ACCOUNT_ID)
        report.append(f"account {account.id} ({account.name}) created")
    else:
        report.append(f"account {account.id} ({account.name}) already there")
    for subject, role in DEMO_MEMBERS.items():
        await add_member(account.id, subject, role)
        report.append(f"member {subject}: {role.value}")
    if not await OAuthClient.exists(account_id=account.id, name="Demo accounting partner"):
        client_id, secret = await create_client(account.id, "Demo accounting partner", ["invoices:read"])
        report.append(f"partner client created: client_id={client_id} client_secret={secret} (shown once)")
    else:
        report.append("partner client already there (create another with 'portal clients create')")
    return report
