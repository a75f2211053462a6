"""Client ids and secrets for the partner-client use cases (``billing.partner_clients``):
this server's formats (``api.oauth.secrets``), each secret hashed in the bounded pool of
the server's ``SecretVerifier``, off the event loop, as verifications are."""

from __future__ import annotations

from dataclasses import dataclass

from api.oauth.client_auth import SecretVerifier
from api.oauth.secrets import new_client_id, new_client_secret
from billing.partner_clients import NewSecret


@dataclass(frozen=True)
class PooledClientCredentials:
    """``billing.partner_clients.ClientCredentials``, hashing in ``verifier``'s pool."""

    verifier: SecretVerifier

    def new_client_id(self) -> str:
        return new_client_id()

    async def new_secret(self) -> NewSecret:
        secret = new_client_secret()
        return NewSecret(secret, await self.verifier.hash(secret))
