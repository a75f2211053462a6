"""The 15-day rule for an order's invoices."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.issue_timing import (
    FIRST_INVOICE_WAIT,
    first_invoice_date,
    issue_dates_for_lines,
)

FAST = settings(max_examples=150, deadline=None)
BOOKED = date(2026, 1, 5)


def jan(day: int) -> date:
    return date(2026, 1, day)


def test_late_line_gets_its_own_invoice_after_the_15_day_invoice():
    activations = [jan(6), jan(27)]
    assert first_invoice_date(BOOKED, activations) == jan(20)
    assert issue_dates_for_lines(BOOKED, activations) == {0: jan(20), 1: jan(27)}


def test_all_lines_active_within_15_days_gives_one_invoice_when_the_last_activates():
    activations = [jan(6), jan(12)]
    assert first_invoice_date(BOOKED, activations) == jan(12)
    assert issue_dates_for_lines(BOOKED, activations) == {0: jan(12), 1: jan(12)}


def test_all_lines_active_exactly_on_day_15_are_on_one_invoice():
    assert issue_dates_for_lines(BOOKED, [jan(6), jan(20)]) == {0: jan(20), 1: jan(20)}


def test_line_active_on_day_16_is_invoiced_separately():
    assert issue_dates_for_lines(BOOKED, [jan(6), jan(21)]) == {0: jan(20), 1: jan(21)}


def test_pending_line_does_not_hold_back_the_15_day_invoice():
    activations = [jan(6), None]
    assert first_invoice_date(BOOKED, activations) == jan(20)
    assert issue_dates_for_lines(BOOKED, activations) == {0: jan(20)}


def test_nothing_active_by_day_15_waits_for_the_first_activation():
    activations = [jan(25), jan(28), None]
    assert first_invoice_date(BOOKED, activations) == jan(25)
    assert issue_dates_for_lines(BOOKED, activations) == {0: jan(25), 1: jan(28)}


def test_no_active_line_means_no_invoice_yet():
    assert first_invoice_date(BOOKED, [None, None]) is None
    assert issue_dates_for_lines(BOOKED, [None, None]) == {}
    assert first_invoice_date(BOOKED, []) is None


def test_activation_before_booking_counts_from_the_booking_date():
    assert first_invoice_date(BOOKED, [jan(2)]) == BOOKED
    assert issue_dates_for_lines(BOOKED, [jan(2), jan(30)]) == {0: jan(20), 1: jan(30)}


activation_offsets = st.lists(st.none() | st.integers(-5, 60), min_size=1, max_size=6)


@FAST
@given(offsets=activation_offsets)
def test_issue_dates_follow_the_15_day_rule(offsets):
    activations = [None if o is None else BOOKED + timedelta(days=o) for o in offsets]
    first = first_invoice_date(BOOKED, activations)
    issued = issue_dates_for_lines(BOOKED, activations)
    cutoff = BOOKED + FIRST_INVOICE_WAIT
    active = {i: max(d, BOOKED) for i, d in enumerate(activations) if d is not None}

    assert set(issued) == set(active)
    if not active:
        assert first is None
        return
    assert first == min(issued.values())
    for index, day in issued.items():
        assert day >= active[index]  # never invoiced before activation
        assert day == max(active[index], first)  # on the first invoice, or on activation
    if any(day <= cutoff for day in active.values()):
        assert first <= cutoff  # never later than 15 days if something is active by then
    if len(active) == len(activations) and max(active.values()) <= cutoff:
        assert set(issued.values()) == {max(active.values())}  # one invoice for all
    if len(set(issued.values())) > 1:
        assert max(active.values()) > cutoff  # several invoices only after 16+ days
