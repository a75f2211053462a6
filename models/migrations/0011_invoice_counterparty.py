import json
from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def fill_counterparty(apps: Any, schema_editor: Any) -> None:
    """Invoices issued before the column existed: their bill-to snapshot's company name."""
    client = schema_editor.client
    mark = "$1" if client.capabilities.dialect == "postgres" else "?"
    other = "$2" if client.capabilities.dialect == "postgres" else "?"
    for row in await client.execute_query_dict("SELECT id, bill_to FROM invoices"):
        bill_to = row["bill_to"]
        snapshot = json.loads(bill_to) if isinstance(bill_to, (str, bytes)) else bill_to or {}
        name = str(snapshot.get("company_name") or "")[:200]
        if name:
            await client.execute_query(f"UPDATE invoices SET counterparty = {mark} WHERE id = {other}", [name, row["id"]])


class Migration(migrations.Migration):
    dependencies = [('portal', '0010_credit_notes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Invoice',
            name='counterparty',
            field=fields.CharField(default='', db_default='', max_length=200),
        ),
        ops.RunPython(fill_counterparty, ops.RunPython.noop),
    ]
