"""Inputs of the partner clients mutations."""

from __future__ import annotations

import strawberry
from strawberry import relay


@strawberry.input(description="A new partner client of an account.")
class CreatePartnerClientInput:
    name: str = strawberry.field(description="A name to recognise it by: 1 to 200 characters.")
    scopes: list[str] = strawberry.field(
        description="What it may read: one or both of `invoices:read` and `billing:read` (nothing else: "
        "`billing:write` and `admin` are refused on `scopes`)."
    )
    account_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Staff: the account it reads (required). Owners: their own account, the default."
    )


@strawberry.input(description="The partner client whose secret to replace.")
class RotatePartnerClientSecretInput:
    client_id: str = strawberry.field(description="Its OAuth client_id (`PartnerClient.clientId`).")


@strawberry.input(description="The partner client to disable.")
class DisablePartnerClientInput:
    client_id: str = strawberry.field(description="Its OAuth client_id (`PartnerClient.clientId`).")
