"""Gapless invoice numbers: the next number comes from a counter row locked in
the transaction that inserts the invoice, so a rollback never leaves a gap."""

from __future__ import annotations

from billing.rules.invoice_number import format_invoice_number
from models.coverage import Coverage
from models.invoices import InvoiceCounter

COVERAGE_CODES = {Coverage.JP: "JP", Coverage.GLOBAL: "GL"}


async def allocate_number(coverage: Coverage, year: int) -> tuple[str, int]:
    """The next ``(number, sequence)`` of ``coverage`` in ``year``. Call inside the
    issuing transaction, as late as possible (the lock is held until commit)."""
    await InvoiceCounter.bulk_create(
        [InvoiceCounter(coverage=coverage, year=year, last_sequence=0)], ignore_conflicts=True
    )
    counter = await InvoiceCounter.filter(coverage=coverage, year=year).select_for_update().get()
    counter.last_sequence += 1
    await counter.save(update_fields=["last_sequence"])
    return format_invoice_number(COVERAGE_CODES[coverage], year, counter.last_sequence), counter.last_sequence
