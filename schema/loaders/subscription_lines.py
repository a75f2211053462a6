from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from models.orders import OrderLine


async def load_subscription_lines(subscription_ids: Sequence[int]) -> list[list[OrderLine]]:
    """The order lines of each subscription (with their order), in one query."""
    grouped: dict[int, list[OrderLine]] = defaultdict(list)
    rows = await OrderLine.filter(subscription_id__in=list(subscription_ids)).select_related("order").order_by(
        "order_id", "position"
    )
    for row in rows:
        grouped[row.subscription_id].append(row)
    return [grouped.get(subscription_id, []) for subscription_id in subscription_ids]
