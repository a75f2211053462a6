"""Consumption at list price, recorded one at a time or up to 1,000 per call (the
metering systems, ``portal usage import``). Every record gets the same rules:
the line exists and is active that day, the day is within the term, the amount
is in whole minor units, the month's overage is not invoiced yet, and the
idempotency key is 1-100 printable ASCII characters, unique per line.

A record whose (line, key) is already stored with the same day and amount is a
replay: nothing is written and the stored record is the answer. The same key
with other values is refused (``IDEMPOTENCY_KEY_REUSED``). Within one batch, a
repeated (line, key) is treated the same way against its first occurrence.

A batch is one transaction: its valid records are stored together even when
others are refused (each refusal is reported with the record's index), and none
is stored if the transaction fails. Cost per batch: two queries to lock the
lines and their subscriptions (in id order), one for the invoiced months, one for
the keys already stored (and one for the records replays answer with, if any),
one insert, one read-back of the keys; validation is in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import Enum

from tortoise.transactions import in_transaction

from billing.access.caller import Caller
from billing.access.rules import require_staff
from billing.errors import BusinessError, ErrorCode, FieldError
from billing.invoicing.usage_checks import (
    LockedLine,
    day_error,
    idempotency_key_error,
    invoiced_error,
    invoiced_months,
    key_reused_error,
    list_amount_error,
    lock_lines,
)
from billing.rules.usage_charges import month_of
from kit.money import Currency
from models.terms import ChargeKind
from models.usage import UsageRecord

MAX_BATCH = 1_000
"""The most records one call records."""


@dataclass(frozen=True)
class UsageInput:
    """One consumption record as sent: the line, the day, the value at list price
    and the sender's idempotency key."""

    line_id: int
    used_on: date
    list_amount: Decimal
    idempotency_key: str


@dataclass(frozen=True)
class RecordedUsage:
    """The stored record, the currency of its line's coverage, and whether this
    call replayed an earlier one (same key, same values) instead of storing it."""

    record: UsageRecord
    currency: Currency
    replayed: bool = False


class Disposition(Enum):
    """What became of one record of a batch."""

    ACCEPTED = "ACCEPTED"
    REPLAYED = "REPLAYED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class UsageOutcome:
    """One record's outcome: the stored record (accepted or replayed), or why it
    was refused (fields named as in a single record: ``usedOn``, ``listAmount``…)."""

    disposition: Disposition
    usage: RecordedUsage | None = None
    errors: tuple[FieldError, ...] = ()


@dataclass(frozen=True)
class BatchReport:
    """Every record's outcome, in the order sent."""

    outcomes: list[UsageOutcome] = field(default_factory=list)

    def count(self, disposition: Disposition) -> int:
        return sum(1 for outcome in self.outcomes if outcome.disposition is disposition)


@dataclass(frozen=True)
class _Stored:
    """What a key lookup reads of a stored record (plain values: cheap for 1,000 rows)."""

    id: int
    used_on: date
    list_amount: Decimal


def _values(row: _Stored | UsageRecord | UsageInput) -> tuple[date, Decimal]:
    return row.used_on, row.list_amount


def _same(row: _Stored | UsageRecord | UsageInput, sent: UsageInput) -> bool:
    return _values(row) == _values(sent)


def _rejected(*errors: FieldError) -> UsageOutcome:
    return UsageOutcome(Disposition.REJECTED, errors=errors)


def _not_found() -> UsageOutcome:
    return _rejected(FieldError(ErrorCode.NOT_FOUND, "No such order line.", "lineId"))


def _check(sent: UsageInput, locked: LockedLine, invoiced: set[tuple[int, date]]) -> list[FieldError]:
    """The rules of a new record, in memory, on the locked line."""
    day = day_error(locked, sent.used_on, "usedOn")
    errors = [e for e in (day, list_amount_error(sent.list_amount, locked.currency)) if e is not None]
    if day is None and (locked.line.id, month_of(sent.used_on)) in invoiced:
        errors.append(invoiced_error(ChargeKind.OVERAGE, sent.used_on, "usedOn"))
    return errors


async def _stored_keys(inputs: Sequence[UsageInput], line_ids: list[int]) -> dict[tuple[int, str], _Stored]:
    """The records already stored under the keys of ``inputs`` on ``line_ids`` (one query)."""
    keys = sorted({sent.idempotency_key for sent in inputs})
    if not line_ids or not keys:
        return {}
    rows = await UsageRecord.filter(order_line_id__in=line_ids, idempotency_key__in=keys).values_list(
        "id", "order_line_id", "idempotency_key", "used_on", "list_amount"
    )
    return {(line_id, key): _Stored(id_, used_on, amount) for id_, line_id, key, used_on, amount in rows}


class _Ingestion:
    """One batch inside its transaction: classifies every record, then stores the
    new ones with one insert and reads them back."""

    def __init__(self, caller: Caller, inputs: Sequence[UsageInput], locked: dict[int, LockedLine]) -> None:
        self.caller, self.inputs, self.locked = caller, inputs, locked
        self.outcomes: list[UsageOutcome | None] = [None] * len(inputs)
        self.first: dict[tuple[int, str], int] = {}  # (line, key) -> index of its first occurrence
        self.repeats: list[int] = []  # later occurrences of a (line, key), same values
        self.replays: dict[int, int] = {}  # index -> id of the record stored by an earlier call
        self.new: list[int] = []

    def classify(self, stored: dict[tuple[int, str], _Stored], invoiced: set[tuple[int, date]]) -> None:
        for index, sent in enumerate(self.inputs):
            key_error = idempotency_key_error(sent.idempotency_key)
            locked = self.locked.get(sent.line_id)
            if key_error is not None or locked is None:
                others = _not_found().errors if locked is None else tuple(_check(sent, locked, invoiced))
                self.outcomes[index] = _rejected(*([key_error] if key_error else []), *others)
                continue
            pair = (sent.line_id, sent.idempotency_key)
            if pair in self.first:
                same = _same(self.inputs[self.first[pair]], sent)
                self.outcomes[index] = None if same else _rejected(key_reused_error())
                if same:
                    self.repeats.append(index)
                continue
            self.first[pair] = index
            earlier = stored.get(pair)
            if earlier is not None:
                if _same(earlier, sent):
                    self.replays[index] = earlier.id
                else:
                    self.outcomes[index] = _rejected(key_reused_error())
                continue
            errors = _check(sent, locked, invoiced)
            if errors:
                self.outcomes[index] = _rejected(*errors)
            else:
                self.new.append(index)

    async def load_replays(self) -> None:
        """The records that replays answer with (one query, only when there are replays)."""
        if not self.replays:
            return
        rows = {row.id: row for row in await UsageRecord.filter(id__in=sorted(set(self.replays.values())))}
        for index, record_id in self.replays.items():
            currency = self.locked[self.inputs[index].line_id].currency
            self.outcomes[index] = UsageOutcome(Disposition.REPLAYED, RecordedUsage(rows[record_id], currency, True))

    async def store(self) -> None:
        """Insert the new records (``ON CONFLICT DO NOTHING``: a concurrent duplicate
        never aborts the transaction), then read their keys back and compare."""
        rows = {
            index: UsageRecord(order_line_id=s.line_id, used_on=s.used_on, list_amount=s.list_amount,
                               idempotency_key=s.idempotency_key, recorded_by=self.caller.subject)
            for index, s in ((index, self.inputs[index]) for index in self.new)
        }
        if not rows:
            return
        await UsageRecord.bulk_create(list(rows.values()), ignore_conflicts=True)
        back = await _stored_keys([self.inputs[index] for index in self.new], sorted({r.order_line_id for r in rows.values()}))
        for index, row in rows.items():
            sent = self.inputs[index]
            stored = back.get((sent.line_id, sent.idempotency_key))
            if stored is None or not _same(stored, sent):  # a concurrent writer stored other values under the key
                self.outcomes[index] = _rejected(key_reused_error())
                continue
            row.id = stored.id
            self.outcomes[index] = UsageOutcome(Disposition.ACCEPTED, RecordedUsage(row, self.locked[sent.line_id].currency))

    def finish(self) -> BatchReport:
        for index in self.repeats:
            sent = self.inputs[index]
            first = self.outcomes[self.first[(sent.line_id, sent.idempotency_key)]]
            assert first is not None
            if first.usage is not None:
                self.outcomes[index] = UsageOutcome(Disposition.REPLAYED, replace(first.usage, replayed=True))
            else:
                self.outcomes[index] = first
        outcomes = [outcome for outcome in self.outcomes if outcome is not None]
        assert len(outcomes) == len(self.inputs)
        return BatchReport(outcomes)


async def ingest_usage(caller: Caller, inputs: Sequence[UsageInput]) -> BatchReport:
    """Record ``inputs`` in one transaction (see the module's docstring)."""
    require_staff(caller, "record usage")
    if len(inputs) > MAX_BATCH:
        raise BusinessError.single(ErrorCode.INVALID, f"At most {MAX_BATCH:,} records per call.", "records")
    if not inputs:
        return BatchReport()
    async with in_transaction():
        locked = await lock_lines([sent.line_id for sent in inputs])
        line_ids = sorted(locked)
        ingestion = _Ingestion(caller, inputs, locked)
        valid = [sent for sent in inputs if idempotency_key_error(sent.idempotency_key) is None]
        ingestion.classify(await _stored_keys(valid, line_ids), await invoiced_months(line_ids, ChargeKind.OVERAGE))
        await ingestion.load_replays()
        await ingestion.store()
    return ingestion.finish()


def prefixed(errors: Sequence[FieldError], index: int, path: str = "records") -> list[FieldError]:
    """``errors`` of the record at ``index`` of a list input, fields named
    ``records.<index>.<field>``."""
    return [replace(e, field=f"{path}.{index}.{e.field}" if e.field else f"{path}.{index}") for e in errors]


async def record_usage_batch(caller: Caller, inputs: Sequence[UsageInput]) -> BatchReport:
    """Record up to 1,000 consumption records: each accepted, replayed or rejected
    with its errors, fields prefixed ``records.<index>.``."""
    report = await ingest_usage(caller, inputs)
    return BatchReport([
        replace(outcome, errors=tuple(prefixed(outcome.errors, index))) if outcome.errors else outcome
        for index, outcome in enumerate(report.outcomes)
    ])


async def record_usage(
    caller: Caller, line_id: int, used_on: date, list_amount: Decimal, idempotency_key: str
) -> RecordedUsage:
    """Record consumption valued at list price on one day (records of a day add
    up); a replay of ``idempotency_key`` answers the record stored first."""
    (outcome,) = (await ingest_usage(caller, [UsageInput(line_id, used_on, list_amount, idempotency_key)])).outcomes
    if outcome.usage is None:
        raise BusinessError(list(outcome.errors))
    return outcome.usage
