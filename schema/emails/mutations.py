from __future__ import annotations

import strawberry

from billing.access.caller import SCOPE_ADMIN
from billing.customer_mail import requeue_email
from schema.context import Info
from schema.emails.types import EmailNotification
from schema.errors import PAYLOAD_ERRORS, UserError, run_use_case
from schema.permissions import requires


@strawberry.input(description="Which failed email to send again.")
class RequeueEmailInput:
    id: strawberry.ID = strawberry.field(description="The email's id (EmailNotification.id).")


@strawberry.type(description="The result of requeueEmail.")
class RequeueEmailPayload:
    notification: EmailNotification | None = strawberry.field(description="The email, PENDING again.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type
class EmailMutations:
    @strawberry.mutation(
        description="Staff: send a FAILED email again; recipients who already got it are skipped.",
        extensions=[requires(SCOPE_ADMIN)],
    )
    async def requeue_email(self, info: Info, input: RequeueEmailInput) -> RequeueEmailPayload:
        row, errors = await run_use_case(requeue_email(info.context.caller, str(input.id)))
        return RequeueEmailPayload(notification=row and EmailNotification.from_model(row), errors=errors)
