"""``portal usage import FILE.csv``: consumption records from a CSV file, recorded
by the same use case as ``recordUsageBatch``, 1,000 rows per batch.

The file has a header row naming the columns ``line_id`` (the OrderLine id as the
API returns it, or the bare integer), ``used_on`` (YYYY-MM-DD), ``list_amount``
and ``idempotency_key``; other columns are ignored. A malformed row (a missing
value, a bad date or number) is reported with its line number, like a row the
rules refuse; the other rows are recorded. Each batch is its own transaction, so
an interrupted import is resumed by running it again: the rows already stored
are replayed (same keys), not stored twice.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from strawberry import relay

from billing.access.caller import Caller
from billing.errors import ErrorCode, FieldError
from billing.invoicing.usage_batch import MAX_BATCH, Disposition, UsageInput, ingest_usage
from schema.ids import int_key, pk_of

COLUMNS = ("line_id", "used_on", "list_amount", "idempotency_key")
_COLUMN_OF = {"lineId": "line_id", "usedOn": "used_on", "listAmount": "list_amount", "idempotencyKey": "idempotency_key"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class ImportFileError(Exception):
    """The file cannot be read as a usage CSV at all (no header, missing columns)."""


@dataclass
class ImportSummary:
    """What an import did: rows stored now, rows already stored (replayed), and
    each refused row with its line number in the file and its errors."""

    accepted: int = 0
    replayed: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "replayed": self.replayed, "rejected": self.rejected}

    def reject(self, line_number: int, errors: list[FieldError]) -> None:
        self.rejected.append({"line": line_number, "errors": [
            {"code": e.code.value, "field": _COLUMN_OF.get(e.field or "", e.field), "message": e.message} for e in errors
        ]})


def _line_id(text: str) -> int | None:
    """An OrderLine global id, or a bare integer; 0 for an id of another type
    (answered NOT_FOUND like the API), None when it is no id at all."""
    if text.isdigit():
        return int_key(text)
    try:
        return pk_of(relay.GlobalID.from_id(text), "OrderLine")
    except (ValueError, TypeError):
        return None


def parse_row(row: dict[str | None, Any]) -> UsageInput | list[FieldError]:
    """One CSV row as a usage record, or why it is malformed."""
    errors: list[FieldError] = []
    values = {column: row.get(column) for column in COLUMNS}
    for column, value in values.items():
        if value is None or (column != "idempotency_key" and not value.strip()):
            errors.append(FieldError(ErrorCode.REQUIRED, f"The row has no {column}.", column))
    if row.get(None):
        errors.append(FieldError(ErrorCode.INVALID, "The row has more values than the header has columns.", None))
    if errors:
        return errors
    line_text, day_text, amount_text = (str(values[c]).strip() for c in COLUMNS[:3])
    line_id = _line_id(line_text)
    if line_id is None:
        errors.append(FieldError(ErrorCode.INVALID, f"Not an order line id: {line_text!r}.", "line_id"))
    used_on: date | None = None
    if _DATE.fullmatch(day_text):
        try:
            used_on = date.fromisoformat(day_text)
        except ValueError:
            pass
    if used_on is None:
        errors.append(FieldError(ErrorCode.INVALID, f"Not a date (YYYY-MM-DD): {day_text!r}.", "used_on"))
    amount: Decimal | None = None
    if _NUMBER.fullmatch(amount_text):
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            pass
    if amount is None:
        errors.append(FieldError(ErrorCode.INVALID, f"Not a number: {amount_text!r}.", "list_amount"))
    if errors or line_id is None or used_on is None or amount is None:
        return errors
    return UsageInput(line_id, used_on, amount, str(values["idempotency_key"]))


def read_rows(path: Path) -> Iterator[tuple[int, UsageInput | list[FieldError]]]:
    """Each data row with its line number in the file (the header is line 1)."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        if reader.fieldnames is None:
            raise ImportFileError(f"{path} is empty: it needs a header row ({', '.join(COLUMNS)}).")
        missing = [column for column in COLUMNS if column not in [name.strip() for name in reader.fieldnames]]
        if missing:
            raise ImportFileError(f"The header row of {path} has no column {', '.join(missing)} (it needs {', '.join(COLUMNS)}).")
        reader.fieldnames = [name.strip() for name in reader.fieldnames]
        try:
            for row in reader:
                yield reader.line_num, parse_row(row)
        except csv.Error as exc:
            raise ImportFileError(
                f"{path}, line {reader.line_num}: not CSV ({exc}). Fix the file and import it again: "
                "rows already recorded are replayed, never stored twice."
            ) from None


async def import_usage(path: Path, caller: Caller, progress: Callable[[int], None] = lambda n: None) -> ImportSummary:
    """Record every well-formed row of ``path``, ``MAX_BATCH`` rows per transaction;
    ``progress`` is told how many rows each step handled."""
    summary = ImportSummary()
    batch: list[tuple[int, UsageInput]] = []

    async def flush() -> None:
        report = await ingest_usage(caller, [record for _, record in batch])
        for (line_number, _), outcome in zip(batch, report.outcomes):
            if outcome.disposition is Disposition.ACCEPTED:
                summary.accepted += 1
            elif outcome.disposition is Disposition.REPLAYED:
                summary.replayed += 1
            else:
                summary.reject(line_number, list(outcome.errors))
        progress(len(batch))
        batch.clear()

    for line_number, parsed in read_rows(path):
        if isinstance(parsed, list):
            summary.reject(line_number, parsed)
            progress(1)
            continue
        batch.append((line_number, parsed))
        if len(batch) == MAX_BATCH:
            await flush()
    if batch:
        await flush()
    summary.rejected.sort(key=lambda rejected: rejected["line"])
    return summary


def count_rows(path: Path) -> int:
    """How many data rows the file has (for the progress bar)."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        return max(0, sum(1 for row in csv.reader(file) if row) - 1)
