from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.events import InvoiceEventType
from models.webhooks import DeliveryStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

async def start_the_feed(apps: Any, schema_editor: Any) -> None:
    """Invoices issued before the change feed existed: their last change is their
    issue, and one already past due is not announced again (the feed starts here)."""
    await schema_editor.client.execute_script(
        "UPDATE invoices SET updated_at = created_at WHERE updated_at IS NULL;"
        "UPDATE invoices SET past_due_recorded = TRUE WHERE status = 'ISSUED' AND due_date < CURRENT_DATE;"
    )


class Migration(migrations.Migration):
    dependencies = [('portal', '0012_document_queue')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountEventCounter',
            fields=[
                ('account_id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('last_sequence', fields.BigIntField(default=0)),
            ],
            options={'table': 'account_event_counters', 'app': 'portal', 'pk_attr': 'account_id', 'table_description': 'The last event sequence number given to an account'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('caller', fields.CharField(max_length=400)),
                ('key', fields.CharField(max_length=255)),
                ('request_hash', fields.CharField(max_length=64)),
                ('status_code', fields.IntField(null=True)),
                ('response_body', fields.BinaryField(null=True)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'idempotency_records', 'app': 'portal', 'unique_together': (('caller', 'key'),), 'pk_attr': 'id', 'table_description': 'The first answer to a request sent with an Idempotency-Key, per caller and key'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvoiceEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='invoice_events', on_delete=OnDelete.RESTRICT)),
                ('sequence', fields.BigIntField()),
                ('type', fields.CharEnumField(description='INVOICE_ISSUED: INVOICE_ISSUED\nINVOICE_PAID: INVOICE_PAID\nINVOICE_VOIDED: INVOICE_VOIDED\nINVOICE_PAST_DUE: INVOICE_PAST_DUE\nCREDIT_NOTE_ISSUED: CREDIT_NOTE_ISSUED', enum_type=InvoiceEventType, max_length=24)),
                ('invoice', fields.ForeignKeyField('portal.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('credit_note', fields.ForeignKeyField('portal.CreditNote', source_field='credit_note_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('data', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'invoice_events', 'app': 'portal', 'unique_together': (('account', 'sequence'),), 'pk_attr': 'id', 'table_description': 'One change of one invoice, numbered per account (the change feed)'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='webhook_endpoints', on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(max_length=2000)),
                ('description', fields.CharField(default='', max_length=200)),
                ('event_types', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('secret', fields.CharField(max_length=100)),
                ('previous_secret', fields.CharField(null=True, max_length=100)),
                ('previous_secret_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_sequence', fields.BigIntField(default=0)),
                ('consecutive_failures', fields.IntField(default=0)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('disabled_reason', fields.CharField(null=True, max_length=200)),
                ('created_by', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_endpoints', 'app': 'portal', 'pk_attr': 'id', 'table_description': "A URL an account's invoice events are posted to, signed (Standard Webhooks)"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message_id', fields.CharField(unique=True, max_length=64)),
                ('endpoint', fields.ForeignKeyField('portal.WebhookEndpoint', source_field='endpoint_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('portal.InvoiceEvent', source_field='event_id', null=True, db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.RESTRICT)),
                ('event_type', fields.CharField(max_length=40)),
                ('payload', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharEnumField(default=DeliveryStatus.PENDING, description='PENDING: PENDING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED', enum_type=DeliveryStatus, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_by', fields.CharField(null=True, max_length=64)),
                ('last_status_code', fields.IntField(null=True)),
                ('last_error', fields.CharField(null=True, max_length=500)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_deliveries', 'app': 'portal', 'unique_together': (('endpoint', 'event'),), 'indexes': [Index(fields=['status', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'One message to one webhook endpoint, tried until it succeeds or gives up'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('delivery', fields.ForeignKeyField('portal.WebhookDelivery', source_field='delivery_id', db_constraint=True, to_field='id', related_name='attempt_rows', on_delete=OnDelete.CASCADE)),
                ('attempted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status_code', fields.IntField(null=True)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('duration_ms', fields.IntField()),
            ],
            options={'table': 'webhook_attempts', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'One try of a webhook delivery'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Invoice',
            name='past_due_recorded',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Invoice',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['account_id', 'updated_at']),
        ),
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['status', 'due_date']),
        ),
        ops.AddField(
            model_name='OAuthClient',
            name='created_by',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name='OAuthClient',
            name='last_used_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OAuthClient',
            name='secret_rotated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunPython(start_the_feed, ops.RunPython.noop),
    ]
