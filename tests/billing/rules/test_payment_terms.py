"""Payment terms: NET_30 and 月末締め翌月末払い."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.payment_terms import PaymentTerms, due_date, is_past_due

FAST = settings(max_examples=100, deadline=None)


def test_eom_following_from_january_31_is_due_february_28():
    assert due_date(date(2026, 1, 31), PaymentTerms.EOM_FOLLOWING) == date(2026, 2, 28)


def test_net_30_from_january_31_is_due_march_2():
    assert due_date(date(2026, 1, 31), PaymentTerms.NET_30) == date(2026, 3, 2)


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        (date(2026, 1, 1), date(2026, 2, 28)),
        (date(2028, 1, 15), date(2028, 2, 29)),
        (date(2026, 2, 28), date(2026, 3, 31)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 1), date(2027, 1, 31)),
        (date(2026, 12, 31), date(2027, 1, 31)),
    ],
)
def test_eom_following_is_the_last_day_of_the_next_month(issued, expected):
    assert due_date(issued, PaymentTerms.EOM_FOLLOWING) == expected


def test_net_30_crosses_the_year_end():
    assert due_date(date(2026, 12, 15), PaymentTerms.NET_30) == date(2027, 1, 14)


def test_unknown_terms_are_rejected():
    with pytest.raises(ValueError):
        due_date(date(2026, 1, 1), "NET_60")  # type: ignore[arg-type]


def test_an_invoice_is_not_past_due_on_its_due_date_but_is_the_day_after():
    due = date(2026, 2, 28)
    assert not is_past_due(due, date(2026, 2, 27))
    assert not is_past_due(due, due)
    assert is_past_due(due, date(2026, 3, 1))


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@FAST
@given(issued=dates, terms=st.sampled_from(PaymentTerms))
def test_due_date_never_precedes_the_invoice_date(issued, terms):
    due = due_date(issued, terms)
    assert due > issued
    assert not is_past_due(due, issued)


@FAST
@given(issued=dates)
def test_eom_following_falls_on_a_month_end_in_the_following_month(issued):
    due = due_date(issued, PaymentTerms.EOM_FOLLOWING)
    assert (due.year * 12 + due.month) - (issued.year * 12 + issued.month) == 1
    assert (due + timedelta(days=1)).day == 1
