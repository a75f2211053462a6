from tortoise import migrations
from tortoise.migrations import operations as ops
from models.invoice_documents import DocumentKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portal', '0007_sign_in')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InvoiceDocumentFile',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('portal.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='INVOICE: INVOICE\nCREDIT_NOTE: CREDIT_NOTE', enum_type=DocumentKind, max_length=12)),
                ('pdf', fields.BinaryField()),
                ('sha256', fields.CharField(max_length=64)),
                ('size_bytes', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'invoice_documents', 'app': 'portal', 'unique_together': (('invoice', 'kind'),), 'pk_attr': 'id', 'table_description': 'One stored PDF of an invoice: the invoice itself or, later, its credit note'},
            bases=['Model'],
        ),
    ]
