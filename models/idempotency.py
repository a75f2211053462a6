"""Idempotency keys: the first answer to a request sent with an ``Idempotency-Key``,
kept so that the same request sent again gets the same answer instead of running
twice (``api.idempotency``)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class IdempotencyRecord(Model):
    """One key of one caller. ``status_code`` is null while the first request runs;
    then the answer (status, body) is stored with it."""

    id = fields.IntField(primary_key=True)
    caller = fields.CharField(max_length=400)
    key = fields.CharField(max_length=255)
    request_hash = fields.CharField(max_length=64)
    status_code = fields.IntField(null=True)
    response_body = fields.BinaryField(null=True)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "idempotency_records"
        table_description = "The first answer to a request sent with an Idempotency-Key, per caller and key"
        unique_together = (("caller", "key"),)
