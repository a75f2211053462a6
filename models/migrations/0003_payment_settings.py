import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.coverage import Coverage
from models.invoice_profile import ApplicationStatus, DeliveryMethod, Language
from models.payment import PaymentMethod


class Migration(migrations.Migration):
    dependencies = [('portal', '0002_outbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InvoiceProfile',
            fields=[
                ('company_name', fields.CharField(max_length=200)),
                ('department', fields.CharField(null=True, max_length=200)),
                ('contact_name', fields.CharField(max_length=100)),
                ('billing_email', fields.CharField(max_length=254)),
                ('cc_emails', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('phone', fields.CharField(max_length=30)),
                ('postal_code', fields.CharField(max_length=12)),
                ('country', fields.CharField(max_length=2)),
                ('region', fields.CharField(null=True, max_length=100)),
                ('city', fields.CharField(max_length=100)),
                ('address_lines', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tax_registration_number', fields.CharField(null=True, max_length=14)),
                ('delivery_method', fields.CharEnumField(description='EMAIL: EMAIL\nPOST: POST', enum_type=DeliveryMethod, max_length=10)),
                ('language', fields.CharEnumField(description='JA: ja\nEN: en', enum_type=Language, max_length=2)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='invoice_profiles', on_delete=OnDelete.CASCADE)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'invoice_profiles', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'The invoice information one or two coverages pay through. ``version``'},
            bases=['_BillTo'],
        ),
        ops.CreateModel(
            name='InvoiceApplication',
            fields=[
                ('company_name', fields.CharField(max_length=200)),
                ('department', fields.CharField(null=True, max_length=200)),
                ('contact_name', fields.CharField(max_length=100)),
                ('billing_email', fields.CharField(max_length=254)),
                ('cc_emails', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('phone', fields.CharField(max_length=30)),
                ('postal_code', fields.CharField(max_length=12)),
                ('country', fields.CharField(max_length=2)),
                ('region', fields.CharField(null=True, max_length=100)),
                ('city', fields.CharField(max_length=100)),
                ('address_lines', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tax_registration_number', fields.CharField(null=True, max_length=14)),
                ('delivery_method', fields.CharEnumField(description='EMAIL: EMAIL\nPOST: POST', enum_type=DeliveryMethod, max_length=10)),
                ('language', fields.CharEnumField(description='JA: ja\nEN: en', enum_type=Language, max_length=2)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='invoice_applications', on_delete=OnDelete.CASCADE)),
                ('coverage', fields.CharEnumField(description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10)),
                ('status', fields.CharEnumField(default=ApplicationStatus.PENDING, description='PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED', enum_type=ApplicationStatus, max_length=10)),
                ('switching_fee_jpy', fields.IntField()),
                ('monthly_fee_jpy', fields.IntField()),
                ('applied_by', fields.CharField(max_length=255)),
                ('applied_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_by', fields.CharField(null=True, max_length=255)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('rejection_reason', fields.CharField(null=True, max_length=1000)),
                ('profile', fields.ForeignKeyField('portal.InvoiceProfile', source_field='profile_id', null=True, db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'invoice_applications', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'A request to pay a coverage by invoice, decided by staff. The fees in'},
            bases=['_BillTo'],
        ),
        ops.CreateModel(
            name='PaymentSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='payment_settings', on_delete=OnDelete.CASCADE)),
                ('coverage', fields.CharEnumField(description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10)),
                ('payment_method', fields.CharEnumField(null=True, description='CREDIT_CARD: CREDIT_CARD\nINVOICE: INVOICE', enum_type=PaymentMethod, max_length=20)),
                ('card_brand', fields.CharField(null=True, max_length=40)),
                ('card_last4', fields.CharField(null=True, max_length=4)),
                ('card_exp_month', fields.SmallIntField(null=True)),
                ('card_exp_year', fields.SmallIntField(null=True)),
                ('card_reference', fields.CharField(null=True, max_length=200)),
                ('card_error_code', fields.CharField(null=True, max_length=40)),
                ('invoice_profile', fields.ForeignKeyField('portal.InvoiceProfile', source_field='invoice_profile_id', null=True, db_constraint=True, to_field='id', related_name='payment_settings', on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'payment_settings', 'app': 'portal', 'unique_together': (('account', 'coverage'),), 'pk_attr': 'id', 'table_description': "How one coverage of one account pays. Card details are the gateway's"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProfileChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('profile', fields.ForeignKeyField('portal.InvoiceProfile', source_field='profile_id', db_constraint=True, to_field='id', related_name='changes', on_delete=OnDelete.CASCADE)),
                ('version', fields.IntField(description='the profile version this edit produced')),
                ('changed_by', fields.CharField(max_length=255)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('field', fields.CharField(max_length=40)),
                ('old_json', fields.TextField(unique=False)),
                ('new_json', fields.TextField(unique=False)),
            ],
            options={'table': 'invoice_profile_changes', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'One field changed by one edit: who, when, which version, from what, to what.'},
            bases=['Model'],
        ),
    ]
