from tortoise import migrations
from tortoise.migrations import operations as ops
from kit.money import Currency
from models.coverage import Coverage
from models.terms import ChargeKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint

class RemoveUniqueTogether(ops.RemoveConstraint):
    """Drop a ``unique_together``. SQLite keeps one as a table constraint (no index
    to drop), so there the table is remade without it, as SQLite recommends."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and getattr(state_editor, "DIALECT", "") == "sqlite":
            await state_editor._remake_table(new_state.apps.get_model(f"{app_label}.{self.model_name}"))
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('portal', '0004_invoicing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ListPrice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.CharField(max_length=100)),
                ('currency', fields.CharEnumField(description='JPY: JPY\nUSD: USD', enum_type=Currency, max_length=3)),
                ('unit_hour_price', fields.DecimalField(max_digits=18, decimal_places=6)),
                ('effective_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('set_by', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'list_prices', 'app': 'portal', 'unique_together': (('product', 'currency', 'effective_from'),), 'pk_attr': 'id', 'table_description': 'The list price of one unit of ``product`` for one hour, in ``currency``, from'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PostTermRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order_line', fields.ForeignKeyField('portal.OrderLine', source_field='order_line_id', db_constraint=True, to_field='id', related_name='post_term_usage', on_delete=OnDelete.RESTRICT)),
                ('hour_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('units', fields.IntField()),
                ('idempotency_key', fields.CharField(null=True, max_length=100)),
                ('recorded_by', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'post_term_records', 'app': 'portal', 'unique_together': (('order_line', 'idempotency_key'),), 'indexes': [Index(fields=['order_line_id', 'hour_start'])], 'pk_attr': 'id', 'table_description': 'One report of the units of a line in use during one hour (UTC) after its'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='BilledCharge',
            name='kind',
            field=fields.CharEnumField(default=ChargeKind.RECURRING, description='RECURRING: RECURRING\nOVERAGE: OVERAGE\nBURSTING: BURSTING\nPOST_TERM: POST_TERM', db_default='RECURRING', enum_type=ChargeKind, max_length=10),
        ),
        RemoveUniqueTogether(
            model_name='BurstRecord',
            name=None,
            fields=['order_line', 'hour_start'],
        ),
        ops.AlterModelOptions(
            name='BurstRecord',
            options={'table': 'burst_records', 'app': 'portal', 'unique_together': (('order_line', 'idempotency_key'),), 'indexes': [Index(fields=['order_line_id', 'hour_start'])], 'pk_attr': 'id', 'table_description': 'One report of the units in use on a burstable line during one hour (UTC),'},
        ),
        ops.AddField(
            model_name='BurstRecord',
            name='idempotency_key',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddIndex(
            model_name='BurstRecord',
            index=Index(fields=['order_line_id', 'hour_start']),
        ),
        ops.AddConstraint(
            model_name='BurstRecord',
            constraint=UniqueConstraint(fields=('order_line', 'idempotency_key'), name=None),
        ),
        ops.AlterModelOptions(
            name='Invoice',
            options={'table': 'invoices', 'app': 'portal', 'unique_together': (('coverage', 'number'), ('coverage', 'year', 'sequence')), 'indexes': [Index(fields=['account_id', 'issue_date'])], 'pk_attr': 'id', 'table_description': 'One issued invoice. An invoice of merged coverages bills the subscriptions of'},
        ),
        ops.AlterField(
            model_name='Invoice',
            name='currency',
            field=fields.CharField(null=True, max_length=3),
        ),
        ops.AlterField(
            model_name='Invoice',
            name='subscription',
            field=fields.ForeignKeyField('portal.Subscription', source_field='subscription_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Invoice',
            name='subtotal',
            field=fields.DecimalField(null=True, max_digits=18, decimal_places=2),
        ),
        ops.AlterField(
            model_name='Invoice',
            name='tax_total',
            field=fields.DecimalField(null=True, max_digits=18, decimal_places=2),
        ),
        ops.AlterField(
            model_name='Invoice',
            name='total',
            field=fields.DecimalField(null=True, max_digits=18, decimal_places=2),
        ),
        ops.AlterField(
            model_name='InvoiceLine',
            name='kind',
            field=fields.CharEnumField(default=ChargeKind.RECURRING, description='RECURRING: RECURRING\nOVERAGE: OVERAGE\nBURSTING: BURSTING\nPOST_TERM: POST_TERM', db_default='RECURRING', enum_type=ChargeKind, max_length=10),
        ),
        ops.AddField(
            model_name='InvoiceLine',
            name='coverage',
            field=fields.CharEnumField(null=True, description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10),
        ),
        ops.AddField(
            model_name='InvoiceLine',
            name='po_number',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='InvoiceProfile',
            name='home_coverage',
            field=fields.CharEnumField(null=True, description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10),
        ),
        ops.AddField(
            model_name='InvoiceTax',
            name='coverage',
            field=fields.CharEnumField(null=True, description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10),
        ),
        ops.AddField(
            model_name='Member',
            name='email',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='UsageRecord',
            name='idempotency_key',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddConstraint(
            model_name='UsageRecord',
            constraint=UniqueConstraint(fields=('order_line', 'idempotency_key'), name=None),
        ),
    ]
