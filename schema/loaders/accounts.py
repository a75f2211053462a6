from __future__ import annotations

import uuid
from collections.abc import Sequence

from models.accounts import Account


async def load_accounts(ids: Sequence[uuid.UUID]) -> list[Account | None]:
    """Accounts by id, in the order asked, in one query. Access is checked by the caller."""
    rows = {row.id: row for row in await Account.filter(id__in=list(ids))}
    return [rows.get(account_id) for account_id in ids]
