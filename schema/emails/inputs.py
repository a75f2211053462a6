"""Inputs of the emails mutations."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Which failed email to send again.")
class RequeueEmailInput:
    id: strawberry.ID = strawberry.field(description="The email's id (EmailNotification.id).")
