"""Gapless invoice numbers: the next numbers come from a counter row updated in the
transaction that inserts the invoices, so a rollback never leaves a gap.

``allocate_numbers`` takes a whole block of numbers in one statement
(``UPDATE … SET last_sequence = last_sequence + n … RETURNING last_sequence``):
the update locks the counter row until the transaction commits, so concurrent
runs wait for each other and never see the same sequence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from billing.rules.invoice_number import format_credit_note_number, format_invoice_number
from models.coverage import Coverage
from models.credit_notes import CreditNoteCounter
from models.invoices import InvoiceCounter

Counter = InvoiceCounter | CreditNoteCounter

COVERAGE_CODES = {Coverage.JP: "JP", Coverage.GLOBAL: "GL"}


async def allocate_numbers(
    coverage: Coverage, year: int, count: int, *, counter: type[Counter] = InvoiceCounter,
    formatted: Callable[[str, int, int], str] = format_invoice_number,
) -> list[tuple[str, int]]:
    """The next ``count`` ``(number, sequence)`` of ``coverage`` in ``year``, in order
    (invoices; credit notes with ``counter=CreditNoteCounter`` and their format).
    Call inside the issuing transaction, as late as possible (the counter row stays
    locked until commit). One statement once the year's counter exists."""
    if count < 1:
        return []
    last = await _advance(counter, coverage, year, count)
    if last is None:  # the year's first number of this coverage: create the counter
        first: Any = counter(coverage=coverage, year=year, last_sequence=0)
        await counter.bulk_create([first], ignore_conflicts=True)
        last = await _advance(counter, coverage, year, count)
        assert last is not None
    return [
        (formatted(COVERAGE_CODES[coverage], year, sequence), sequence)
        for sequence in range(last - count + 1, last + 1)
    ]


async def allocate_credit_note_number(coverage: Coverage, year: int) -> tuple[str, int]:
    """The next credit note ``(number, sequence)`` of ``coverage`` in ``year``."""
    (allocated,) = await allocate_numbers(
        coverage, year, 1, counter=CreditNoteCounter, formatted=format_credit_note_number
    )
    return allocated


async def allocate_number(coverage: Coverage, year: int) -> tuple[str, int]:
    """The next ``(number, sequence)`` of ``coverage`` in ``year``."""
    (allocated,) = await allocate_numbers(coverage, year, 1)
    return allocated


async def _advance(counter: type[Counter], coverage: Coverage, year: int, count: int) -> int | None:
    """Add ``count`` to the counter and return its new value (None: no counter yet)."""
    db = counter._meta.db
    table = counter._meta.db_table
    marks = ("$1", "$2", "$3") if db.capabilities.dialect == "postgres" else ("?", "?", "?")
    rows = await db.execute_query_dict(
        f"UPDATE {table} SET last_sequence = last_sequence + {marks[0]} "  # noqa: S608 (no input in the SQL text)
        f"WHERE coverage = {marks[1]} AND year = {marks[2]} RETURNING last_sequence",
        [count, coverage.value, year],
    )
    return int(rows[0]["last_sequence"]) if rows else None
