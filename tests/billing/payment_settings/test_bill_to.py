"""Every bill-to validation rule, with a bad value and the field it names."""

from __future__ import annotations

from typing import Any

import pytest

from billing.errors import BusinessError, ErrorCode
from billing.payment_settings.bill_to import camel, clean_bill_to


def valid(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "company_name": "Acme IoT K.K.",
        "department": "Accounting",
        "contact_name": "Hanako Yamada",
        "billing_email": "billing@acme.example",
        "cc_emails": ["cfo@acme.example"],
        "phone": "+81 3-1234-5678",
        "postal_code": "100-0001",
        "country": "JP",
        "region": "Tokyo",
        "city": "Chiyoda-ku",
        "address_lines": ["1-1 Chiyoda"],
        "tax_registration_number": "T7000012050002",
        "delivery_method": "EMAIL",
        "language": "ja",
    }
    values.update(overrides)
    return values


def errors_of(**overrides: Any) -> list[tuple[ErrorCode, str | None]]:
    with pytest.raises(BusinessError) as caught:
        clean_bill_to(valid(**overrides))
    return [(error.code, error.field) for error in caught.value.errors]


def test_a_valid_record_is_normalised():
    clean = clean_bill_to(valid(department="  ", country="jp", city=" Chiyoda-ku ", cc_emails=[" a@b.example "]))
    assert clean["department"] is None and clean["country"] == "JP" and clean["city"] == "Chiyoda-ku"
    assert clean["cc_emails"] == ["a@b.example"]


def test_texts_are_stored_in_nfc():
    decomposed = "Cafe\u0301 Ame\u0301lie"  # "é" as "e" and a combining accent
    clean = clean_bill_to(valid(company_name=decomposed, address_lines=["Pe\u0301rez 1"], city="ｶﾞ"))
    assert clean["company_name"] == "Caf\u00e9 Am\u00e9lie"
    assert clean["address_lines"] == ["P\u00e9rez 1"]
    assert clean["city"] == "ｶﾞ"  # NFC, not NFKC: half-width kana are kept as written


BAD_VALUES = [
    # (overrides, code, field)
    ({"company_name": " "}, ErrorCode.REQUIRED, "companyName"),
    ({"company_name": "x" * 201}, ErrorCode.TOO_LONG, "companyName"),
    ({"department": "x" * 201}, ErrorCode.TOO_LONG, "department"),
    ({"contact_name": ""}, ErrorCode.REQUIRED, "contactName"),
    ({"contact_name": "x" * 101}, ErrorCode.TOO_LONG, "contactName"),
    ({"billing_email": ""}, ErrorCode.REQUIRED, "billingEmail"),
    ({"billing_email": "billing.acme.example"}, ErrorCode.INVALID, "billingEmail"),
    ({"billing_email": "billing@acme"}, ErrorCode.INVALID, "billingEmail"),
    ({"billing_email": "bill ing@acme.example"}, ErrorCode.INVALID, "billingEmail"),
    ({"billing_email": "a" * 250 + "@x.example"}, ErrorCode.TOO_LONG, "billingEmail"),
    ({"cc_emails": [f"cc{i}@acme.example" for i in range(6)]}, ErrorCode.INVALID, "ccEmails"),
    ({"cc_emails": ["not-an-address"]}, ErrorCode.INVALID, "ccEmails"),
    ({"cc_emails": ["a@acme.example", "a@acme.example"]}, ErrorCode.INVALID, "ccEmails"),
    ({"phone": ""}, ErrorCode.REQUIRED, "phone"),
    ({"phone": "03-CALL-ME"}, ErrorCode.INVALID, "phone"),
    ({"phone": "12345"}, ErrorCode.INVALID, "phone"),
    ({"phone": "+1234567890123456"}, ErrorCode.INVALID, "phone"),
    ({"phone": "1" * 31}, ErrorCode.TOO_LONG, "phone"),
    ({"postal_code": ""}, ErrorCode.REQUIRED, "postalCode"),
    ({"postal_code": "1000001"}, ErrorCode.INVALID, "postalCode"),
    ({"postal_code": "100-001"}, ErrorCode.INVALID, "postalCode"),
    ({"country": "US", "postal_code": "1234"}, ErrorCode.INVALID, "postalCode"),
    ({"country": "GB", "postal_code": "12345"}, ErrorCode.INVALID, "postalCode"),
    ({"country": "CA", "postal_code": "K1A0B1X"}, ErrorCode.INVALID, "postalCode"),
    ({"country": "DE", "postal_code": "1011"}, ErrorCode.INVALID, "postalCode"),
    ({"country": "SG", "postal_code": "#12"}, ErrorCode.INVALID, "postalCode"),
    ({"postal_code": "1" * 13}, ErrorCode.TOO_LONG, "postalCode"),
    ({"country": ""}, ErrorCode.REQUIRED, "country"),
    ({"country": "JPN"}, ErrorCode.INVALID, "country"),
    ({"region": "x" * 101}, ErrorCode.TOO_LONG, "region"),
    ({"city": ""}, ErrorCode.REQUIRED, "city"),
    ({"city": "x" * 101}, ErrorCode.TOO_LONG, "city"),
    ({"address_lines": []}, ErrorCode.REQUIRED, "addressLines"),
    ({"address_lines": ["1-1", " "]}, ErrorCode.REQUIRED, "addressLines"),
    ({"address_lines": ["a", "b", "c", "d"]}, ErrorCode.INVALID, "addressLines"),
    ({"address_lines": ["x" * 201]}, ErrorCode.TOO_LONG, "addressLines"),
    ({"tax_registration_number": "7000012050002"}, ErrorCode.INVALID, "taxRegistrationNumber"),
    ({"tax_registration_number": "T700001205000"}, ErrorCode.INVALID, "taxRegistrationNumber"),
    ({"tax_registration_number": "T7000012050003"}, ErrorCode.INVALID, "taxRegistrationNumber"),
    # printed on invoices and in emails: no control characters, lone surrogates or bidi overrides
    ({"company_name": "Acme\x00 K.K."}, ErrorCode.INVALID, "companyName"),
    ({"company_name": "Acme \u202eK.K."}, ErrorCode.INVALID, "companyName"),
    ({"department": "Accounting\ud800"}, ErrorCode.INVALID, "department"),
    ({"contact_name": "Hanako\nYamada"}, ErrorCode.INVALID, "contactName"),
    ({"region": "Tokyo\u2066"}, ErrorCode.INVALID, "region"),
    ({"city": "Chiyoda\x1b[31m"}, ErrorCode.INVALID, "city"),
    ({"address_lines": ["1-1 Chiyoda", "Bldg\u202e 5"]}, ErrorCode.INVALID, "addressLines"),
    ({"address_lines": ["1-1\tChiyoda"]}, ErrorCode.INVALID, "addressLines"),
]


@pytest.mark.parametrize(("overrides", "code", "field"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_its_field(overrides, code, field):
    assert errors_of(**overrides) == [(code, field)]


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [("JP", "100-0001"), ("US", "94105"), ("US", "94105-1234"), ("GB", "SW1A 1AA"), ("CA", "K1A 0B1"),
     ("DE", "10115"), ("FR", "75001"), ("SG", "018956"), ("NL", "1012 JS")],
)
def test_postal_codes_fit_their_country(country, postal_code):
    assert clean_bill_to(valid(country=country, postal_code=postal_code))["postal_code"] == postal_code


def test_every_bad_field_is_reported_once():
    errors = errors_of(billing_email="nope", phone="x", cc_emails=["bad", "worse"], city="")
    assert sorted(field for _, field in errors) == ["billingEmail", "ccEmails", "city", "phone"]


def test_optional_fields_may_be_empty():
    clean = clean_bill_to(valid(department=None, region="", tax_registration_number=None, cc_emails=[]))
    assert (clean["department"], clean["region"], clean["tax_registration_number"]) == (None, None, None)


def test_camel_case_names():
    assert camel("tax_registration_number") == "taxRegistrationNumber" and camel("phone") == "phone"
