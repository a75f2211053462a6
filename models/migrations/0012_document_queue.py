from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def queue_missing_documents(apps: Any, schema_editor: Any) -> None:
    """Invoices without their document (issued before documents were kept, or not yet
    rendered) join the worker's queue; credit notes already rendered leave it."""
    client = schema_editor.client
    await client.execute_script(
        "UPDATE invoices SET document_pending = TRUE WHERE id NOT IN "
        "(SELECT invoice_id FROM invoice_documents WHERE kind = 'INVOICE');"
        "UPDATE credit_notes SET document_pending = FALSE WHERE invoice_id IN "
        "(SELECT invoice_id FROM invoice_documents WHERE kind = 'CREDIT_NOTE');"
    )


class Migration(migrations.Migration):
    dependencies = [('portal', '0011_invoice_counterparty')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CreditNote',
            name='document_pending',
            field=fields.BooleanField(default=True, db_index=True, db_default=True),
        ),
        ops.AddField(
            model_name='Invoice',
            name='document_pending',
            field=fields.BooleanField(default=False, db_index=True, db_default=False),
        ),
        ops.RunPython(queue_missing_documents, ops.RunPython.noop),
    ]
