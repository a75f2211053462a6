from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portal', '0008_invoice_documents')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxMessage',
            name='attach_invoice_id',
            field=fields.IntField(null=True),
        ),
    ]
