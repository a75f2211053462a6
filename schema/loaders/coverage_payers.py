from __future__ import annotations

import uuid
from collections.abc import Sequence

from billing.customer_mail import Payer, load_payers
from models.coverage import Coverage


async def load_coverage_payers(keys: Sequence[tuple[uuid.UUID, Coverage]]) -> list[Payer]:
    """How each (account, coverage) pays, in two queries. Access is checked by the caller."""
    return await load_payers(keys)
