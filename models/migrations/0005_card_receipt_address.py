from tortoise import migrations
from tortoise.migrations import operations as ops
from models.invoice_profile import Language
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portal', '0004_invoicing')]

    initial = False

    operations = [
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
