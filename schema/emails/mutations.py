"""Emails mutations (mixed into the root ``Mutation``)."""

from __future__ import annotations

import strawberry

from billing.access.caller import SCOPE_ADMIN
from billing.customer_mail import requeue_email
from schema.context import Info
from schema.emails.inputs import RequeueEmailInput
from schema.emails.payloads import RequeueEmailPayload
from schema.emails.types import EmailNotification
from schema.errors import run_use_case
from schema.permissions import requires


@strawberry.type
class EmailMutations:
    @strawberry.mutation(
        description="Staff: send a FAILED email again; recipients who already got it are skipped.",
        extensions=[requires(SCOPE_ADMIN)],
    )
    async def requeue_email(self, info: Info, input: RequeueEmailInput) -> RequeueEmailPayload:
        row, errors = await run_use_case(requeue_email(info.context.caller, str(input.id)))
        return RequeueEmailPayload(notification=row and EmailNotification.from_model(row), errors=errors)
