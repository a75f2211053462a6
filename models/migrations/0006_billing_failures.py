from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portal', '0005_merged_invoices_usage_keys_prices')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BillingFailure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('as_of', fields.DateField()),
                ('subscription_ids', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('error', fields.CharField(max_length=1000)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'billing_failures', 'app': 'portal', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
