"""Partner clients mutations (mixed into the root ``Mutation``). Each reads its input,
calls one use case and maps the result."""

from __future__ import annotations

import strawberry

from billing.access.caller import SCOPE_ADMIN, SCOPE_BILLING_WRITE
from billing.partner_clients import create_partner_client, disable_client, rotate_client_secret
from schema.clients.inputs import CreatePartnerClientInput, DisablePartnerClientInput, RotatePartnerClientSecretInput
from schema.clients.payloads import (
    CreatePartnerClientPayload,
    DisablePartnerClientPayload,
    RotatePartnerClientSecretPayload,
)
from schema.clients.types import PartnerClient
from schema.context import Info
from schema.errors import run_use_case
from schema.ids import account_of
from schema.permissions import requires

_WHO = "Only an OWNER of the account (with billing:write), or staff."


@strawberry.type
class PartnerClientMutations:
    @strawberry.mutation(
        description=f"Register a partner client that reads the account with client credentials; its secret is in "
        f"the payload, once. {_WHO}",
        extensions=[requires(SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def create_partner_client(self, info: Info, input: CreatePartnerClientInput) -> CreatePartnerClientPayload:
        ctx = info.context
        issued, errors = await run_use_case(
            create_partner_client(
                ctx.caller, ctx.client_credentials, input.name, input.scopes, account_of(input.account_id)
            )
        )
        return CreatePartnerClientPayload(
            partner_client=issued and PartnerClient.from_model(issued.client),
            client_secret=issued and issued.secret,
            errors=errors,
        )

    @strawberry.mutation(
        description=f"Give a partner client a new secret, shown once: the old secret stops working at once and the "
        f"tokens already issued to the client are revoked. {_WHO}",
        extensions=[requires(SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def rotate_partner_client_secret(
        self, info: Info, input: RotatePartnerClientSecretInput
    ) -> RotatePartnerClientSecretPayload:
        ctx = info.context
        issued, errors = await run_use_case(rotate_client_secret(ctx.caller, ctx.client_credentials, input.client_id))
        return RotatePartnerClientSecretPayload(
            partner_client=issued and PartnerClient.from_model(issued.client),
            client_secret=issued and issued.secret,
            errors=errors,
        )

    @strawberry.mutation(
        description=f"Disable a partner client for good: it gets no more tokens and its tokens are refused at once "
        f"(revoked). {_WHO}",
        extensions=[requires(SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def disable_partner_client(
        self, info: Info, input: DisablePartnerClientInput
    ) -> DisablePartnerClientPayload:
        row, errors = await run_use_case(disable_client(info.context.caller, input.client_id))
        return DisablePartnerClientPayload(partner_client=row and PartnerClient.from_model(row), errors=errors)
