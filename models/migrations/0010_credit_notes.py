from tortoise import migrations
from tortoise.migrations import operations as ops
from models.coverage import Coverage
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portal', '0009_outbox_attachments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CreditNote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.OneToOneField('portal.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='credit_note', on_delete=OnDelete.RESTRICT)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.RESTRICT)),
                ('coverage', fields.CharEnumField(description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10)),
                ('number', fields.CharField(unique=True, max_length=32)),
                ('year', fields.SmallIntField()),
                ('sequence', fields.IntField()),
                ('issue_date', fields.DateField()),
                ('reason', fields.CharField(max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'credit_notes', 'app': 'portal', 'unique_together': (('coverage', 'year', 'sequence'),), 'pk_attr': 'id', 'table_description': "The credit note of a voided invoice. It returns the invoice's lines, taxes and"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CreditNoteCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('coverage', fields.CharEnumField(description='JP: JP\nGLOBAL: GLOBAL', enum_type=Coverage, max_length=10)),
                ('year', fields.SmallIntField()),
                ('last_sequence', fields.IntField(default=0)),
            ],
            options={'table': 'credit_note_counters', 'app': 'portal', 'unique_together': (('coverage', 'year'),), 'pk_attr': 'id', 'table_description': 'The last credit note number issued per coverage and year (see ``InvoiceCounter``).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attach_kind',
            field=fields.CharField(null=True, max_length=12),
        ),
    ]
