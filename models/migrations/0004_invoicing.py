import functools
from decimal import Decimal
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.coverage import Coverage
from models.invoice_profile import Language
from models.invoices import ChargeState, InvoiceStatus
from models.terms import BillingFrequency, ChargeKind, PaymentTerms, TaxCategory


class Migration(migrations.Migration):
    dependencies = [('portal', '0003_payment_settings')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InvoiceCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('coverage', fields.CharEnumField(description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10)),
                ('year', fields.SmallIntField()),
                ('last_sequence', fields.IntField(default=0)),
            ],
            options={'table': 'invoice_counters', 'app': 'portal', 'unique_together': (('coverage', 'year'),), 'pk_attr': 'id', 'table_description': 'The last number issued per coverage and year, locked to allocate the next.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Subscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='subscriptions', on_delete=OnDelete.CASCADE)),
                ('coverage', fields.CharEnumField(description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10)),
                ('term_start', fields.DateField()),
                ('term_end', fields.DateField()),
                ('billing_frequency', fields.CharEnumField(description='MONTHLY_IN_ADVANCE: MONTHLY_IN_ADVANCE\nQUARTERLY_IN_ADVANCE: QUARTERLY_IN_ADVANCE\nANNUAL_IN_ADVANCE: ANNUAL_IN_ADVANCE\nQUARTERLY_IN_ARREARS: QUARTERLY_IN_ARREARS', enum_type=BillingFrequency, max_length=24)),
                ('payment_terms', fields.CharEnumField(description='NET_30: NET_30\nEOM_FOLLOWING: EOM_FOLLOWING', enum_type=PaymentTerms, max_length=16)),
                ('po_number', fields.CharField(null=True, max_length=100)),
                ('po_required', fields.BooleanField(default=False)),
                ('po_exemption_filed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('po_revision', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'subscriptions', 'app': 'portal', 'pk_attr': 'id', 'table_description': "One account's term on one coverage: every line co-terminates on ``term_end``."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invoice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.RESTRICT)),
                ('subscription', fields.ForeignKeyField('portal.Subscription', source_field='subscription_id', db_index=True, db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.RESTRICT)),
                ('coverage', fields.CharEnumField(description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10)),
                ('number', fields.CharField(db_index=True, max_length=32)),
                ('year', fields.SmallIntField()),
                ('sequence', fields.IntField()),
                ('issue_date', fields.DateField()),
                ('due_date', fields.DateField()),
                ('currency', fields.CharField(max_length=3)),
                ('payment_terms', fields.CharEnumField(description='NET_30: NET_30\nEOM_FOLLOWING: EOM_FOLLOWING', enum_type=PaymentTerms, max_length=16)),
                ('po_number', fields.CharField(null=True, max_length=100)),
                ('subtotal', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('tax_total', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('total', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('bill_to', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('issuer', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('language', fields.CharField(max_length=2)),
                ('status', fields.CharEnumField(default=InvoiceStatus.ISSUED, description='ISSUED: ISSUED\nPAID: PAID\nVOID: VOID', enum_type=InvoiceStatus, max_length=10)),
                ('paid_on', fields.DateField(null=True)),
                ('void_reason', fields.CharField(null=True, max_length=500)),
                ('charge_state', fields.CharEnumField(default=ChargeState.NONE, description='NONE: NONE\nPENDING: PENDING\nSUCCEEDED: SUCCEEDED\nDECLINED: DECLINED', enum_type=ChargeState, max_length=10)),
                ('charge_id', fields.CharField(null=True, max_length=200)),
                ('charge_error_code', fields.CharField(null=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'invoices', 'app': 'portal', 'unique_together': (('coverage', 'number'), ('coverage', 'year', 'sequence')), 'indexes': [Index(fields=['account_id', 'issue_date'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvoiceLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('portal.Invoice', source_field='invoice_id', db_index=True, db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('position', fields.SmallIntField()),
                ('order_number', fields.CharField(max_length=20)),
                ('product', fields.CharField(max_length=100)),
                ('description', fields.CharField(max_length=500)),
                ('period_start', fields.DateField()),
                ('period_end', fields.DateField()),
                ('amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('tax_category', fields.CharEnumField(description='STANDARD: STANDARD\nREDUCED: REDUCED\nEXEMPT: EXEMPT', enum_type=TaxCategory, max_length=10)),
                ('kind', fields.CharEnumField(default=ChargeKind.RECURRING, description='RECURRING: RECURRING\nOVERAGE: OVERAGE\nBURSTING: BURSTING', db_default='RECURRING', enum_type=ChargeKind, max_length=10)),
            ],
            options={'table': 'invoice_lines', 'app': 'portal', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvoiceTax',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('portal.Invoice', source_field='invoice_id', db_index=True, db_constraint=True, to_field='id', related_name='taxes', on_delete=OnDelete.CASCADE)),
                ('category', fields.CharEnumField(description='STANDARD: STANDARD\nREDUCED: REDUCED\nEXEMPT: EXEMPT', enum_type=TaxCategory, max_length=10)),
                ('rate', fields.DecimalField(max_digits=5, decimal_places=4)),
                ('taxable_amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('tax_amount', fields.DecimalField(max_digits=18, decimal_places=2)),
            ],
            options={'table': 'invoice_taxes', 'app': 'portal', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Order',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscription', fields.ForeignKeyField('portal.Subscription', source_field='subscription_id', db_index=True, db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE)),
                ('booked_on', fields.DateField()),
                ('created_by', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'orders', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'An order booked on a date, adding lines to a subscription.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('portal.Order', source_field='order_id', db_index=True, db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('subscription', fields.ForeignKeyField('portal.Subscription', source_field='subscription_id', db_index=True, db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('position', fields.SmallIntField()),
                ('product', fields.CharField(max_length=100)),
                ('description', fields.CharField(max_length=500)),
                ('monthly_amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('quantity', fields.IntField()),
                ('tax_category', fields.CharEnumField(description='STANDARD: STANDARD\nREDUCED: REDUCED\nEXEMPT: EXEMPT', enum_type=TaxCategory, max_length=10)),
                ('pooled', fields.BooleanField(default=False)),
                ('activated_on', fields.DateField(null=True)),
                ('discount_rate', fields.DecimalField(default=Decimal('0'), db_default=Decimal('0'), max_digits=5, decimal_places=4)),
                ('subscribed_units', fields.IntField(null=True)),
                ('burst_unit_hour_price', fields.DecimalField(null=True, max_digits=18, decimal_places=6)),
            ],
            options={'table': 'order_lines', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'A product on an order: billable from ``activated_on`` (None until provisioned).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BilledCharge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order_line', fields.ForeignKeyField('portal.OrderLine', source_field='order_line_id', db_constraint=True, to_field='id', related_name='billed', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(default=ChargeKind.RECURRING, description='RECURRING: RECURRING\nOVERAGE: OVERAGE\nBURSTING: BURSTING', db_default='RECURRING', enum_type=ChargeKind, max_length=10)),
                ('period_start', fields.DateField()),
                ('invoice', fields.ForeignKeyField('portal.Invoice', source_field='invoice_id', db_index=True, db_constraint=True, to_field='id', related_name='charges', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'billed_charges', 'app': 'portal', 'unique_together': (('order_line', 'kind', 'period_start'),), 'pk_attr': 'id', 'table_description': 'One order line billed for one period, per kind of charge. The unique key'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BurstRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order_line', fields.ForeignKeyField('portal.OrderLine', source_field='order_line_id', db_constraint=True, to_field='id', related_name='bursts', on_delete=OnDelete.RESTRICT)),
                ('hour_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('total_units', fields.IntField()),
                ('recorded_by', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'burst_records', 'app': 'portal', 'unique_together': (('order_line', 'hour_start'),), 'pk_attr': 'id', 'table_description': 'The units in use on a burstable line during one hour (UTC), above its'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UsageRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order_line', fields.ForeignKeyField('portal.OrderLine', source_field='order_line_id', db_constraint=True, to_field='id', related_name='usage', on_delete=OnDelete.RESTRICT)),
                ('used_on', fields.DateField()),
                ('list_amount', fields.DecimalField(max_digits=18, decimal_places=2)),
                ('recorded_by', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'usage_records', 'app': 'portal', 'indexes': [Index(fields=['order_line_id', 'used_on'])], 'pk_attr': 'id', 'table_description': 'Consumption on one day, valued at list price (pay-as-you-go, or drawn'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='PaymentSettings',
            name='receipt_email',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='PaymentSettings',
            name='receipt_language',
            field=fields.CharEnumField(null=True, description='JA: ja\nEN: en', enum_type=Language, max_length=2),
        ),
    ]
