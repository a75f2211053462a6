"""Payloads of the partner clients mutations."""

from __future__ import annotations

import strawberry

from schema.clients.types import PartnerClient
from schema.errors import Payload

_SECRET = (
    "The client's secret, shown this once: store it now (only a hash is kept). The partner sends it with the "
    "clientId at /oauth/token. Null when nothing was changed."
)


@strawberry.type(description="The result of createPartnerClient.")
class CreatePartnerClientPayload(Payload):
    partner_client: PartnerClient | None = strawberry.field(description="The new client.")
    client_secret: str | None = strawberry.field(description=_SECRET)


@strawberry.type(description="The result of rotatePartnerClientSecret.")
class RotatePartnerClientSecretPayload(Payload):
    partner_client: PartnerClient | None = strawberry.field(description="The client, with its new rotation time.")
    client_secret: str | None = strawberry.field(description=_SECRET)


@strawberry.type(description="The result of disablePartnerClient.")
class DisablePartnerClientPayload(Payload):
    partner_client: PartnerClient | None = strawberry.field(description="The client, disabled.")
