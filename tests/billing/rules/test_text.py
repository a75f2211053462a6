"""Texts shown to people: normalised to NFC, trimmed, bounded, and free of the characters
that corrupt storage or what a reader sees."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.errors import BusinessError, ErrorCode
from billing.rules.text import checked_text, normalise, text_error, text_problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a\x00b", "contains a control character"),
        ("line\nbreak", "contains a control character"),
        ("\x7f", "contains a control character"),
        ("\ud800", "contains an invalid character (a lone surrogate)"),
        ("evil\u202etxt.exe", "contains a bidirectional control character"),
        ("\u2066isolate\u2069", "contains a bidirectional control character"),
    ],
)
def test_a_character_that_corrupts_storage_or_reading_is_named(text, problem):
    assert text_problem(text) == problem


def test_ordinary_text_of_any_script_passes():
    for text in ("Acme IoT K.K.", "株式会社アクメ", "Müller & Söhne GmbH", "شركة", "ｶﾞ"):
        assert text_problem(text) is None


def test_checked_text_normalises_and_names_the_field():
    assert checked_text("  Cafe\u0301  ", "name", 10) == "Caf\u00e9"
    with pytest.raises(BusinessError) as refused:
        checked_text("Caf\u00e9\u202e", "name", 10)
    (error,) = refused.value.errors
    assert (error.code, error.field) == (ErrorCode.INVALID, "name")


@pytest.mark.parametrize(
    ("text", "code"), [("", ErrorCode.REQUIRED), ("x" * 11, ErrorCode.TOO_LONG), ("a\tb", ErrorCode.INVALID)]
)
def test_text_error_says_what_is_wrong(text, code):
    error = text_error(text, "reason", 10)
    assert error is not None and (error.code, error.field) == (code, "reason")


def test_an_optional_text_may_be_empty():
    assert text_error("", "department", 10, required=False) is None


@given(st.text())
def test_normalising_is_idempotent_and_a_clean_text_stays_clean(text):
    once = normalise(text)
    assert normalise(once) == once
    if text_problem(text) is None:
        assert text_problem(once) is None
