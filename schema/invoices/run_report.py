"""What one billing run did, as staff read it (``runBilling``)."""

from __future__ import annotations

from datetime import date

import strawberry

from billing.invoicing.run import RunReport
from schema.ids import global_id
from schema.invoices.enums import HoldReason


@strawberry.type(description="A subscription with charges due that a billing run did not invoice, and why.")
class BillingHold:
    subscription_id: strawberry.ID = strawberry.field(description="The subscription (`node(id:)` reads it).")
    reason: HoldReason = strawberry.field(description="Why it was held.")


@strawberry.type(
    description="Subscriptions a billing run could not bill because of an unexpected error. Nothing of them was "
    "written; the run went on with the others and the next run tries them again."
)
class BillingFailure:
    subscription_ids: list[strawberry.ID] = strawberry.field(description="The subscriptions billed together (global ids).")
    error: str = strawberry.field(description="What went wrong, for staff.")


@strawberry.type(description="What one billing run did.")
class BillingRunReport:
    as_of: date = strawberry.field(description="The billing date.")
    issued: list[str] = strawberry.field(description="Numbers of the invoices issued.")
    held: list[strawberry.ID] = strawberry.field(
        description="Subscriptions held (their ids: `node(id:)` reads them); `holds` says why."
    )
    holds: list[BillingHold] = strawberry.field(description="Each held subscription with the reason.")
    failures: list[BillingFailure] = strawberry.field(
        description="Units that failed unexpectedly (also kept for staff and logged with the request id)."
    )
    declined: list[str] = strawberry.field(description="Numbers of the invoices whose card charge was declined.")
    claimed_elsewhere: int = strawberry.field(description="Subscriptions another worker was billing at the time.")

    @classmethod
    def from_domain(cls, report: RunReport) -> BillingRunReport:
        return cls(
            as_of=report.as_of, issued=report.issued,
            held=[strawberry.ID(global_id("Subscription", hold.subscription_id)) for hold in report.held],
            holds=[
                BillingHold(subscription_id=strawberry.ID(global_id("Subscription", hold.subscription_id)),
                            reason=hold.reason)
                for hold in report.held
            ],
            declined=report.declined, claimed_elsewhere=report.claimed_elsewhere,
            failures=[
                BillingFailure(
                    subscription_ids=[strawberry.ID(global_id("Subscription", s)) for s in failure.subscription_ids],
                    error=failure.error,
                )
                for failure in report.failures
            ],
        )
