"""Usage queries (mixed into the root ``Query``)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from billing.access.caller import SCOPE_ADMIN
from billing.access.rules import Forbidden
from billing.invoicing.prices import list_prices
from schema.context import Info
from schema.errors import forbidden
from schema.permissions import requires
from schema.types.enums import Currency
from schema.usage.types import ListPrice

ProductArg = Annotated[str, strawberry.argument(description="The product, as order lines name it (exact match).")]
CurrencyArg = Annotated[
    Currency | None, strawberry.argument(description="Only this currency's prices (default: both).")
]


@strawberry.type
class UsageQueries:
    @strawberry.field(
        description="Staff: a product's list prices per unit-hour, by currency then effective hour (oldest first). "
        "The price in force at an hour is the latest entry effective at or before it.",
        extensions=[requires(SCOPE_ADMIN)],
    )
    async def list_prices(self, info: Info, product: ProductArg, currency: CurrencyArg = None) -> list[ListPrice]:
        try:
            rows = await list_prices(info.context.caller, product, currency)
        except Forbidden as exc:
            raise forbidden(str(exc)) from None
        return [ListPrice.from_model(row) for row in rows]
