"""Every error code is documented twice: a description in the code (and in the
schema, for payload codes) and a row in docs/errors.md. Adding a code without
both fails here; so does a row for a code that no longer exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from billing.errors import ErrorCode
from schema import build_schema
from schema.error_codes import GraphQLErrorCode

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
PAYLOAD_SECTION = "## Payload errors: `UserError.code`"
GRAPHQL_SECTION = "## GraphQL errors: `errors[].extensions.code`"
HEADER = ["code", "when it happens", "what the client should do"]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def table_under(heading: str, text: str) -> dict[str, list[str]]:
    """The rows of the first table after ``heading``: code (without backticks) to the other cells."""
    lines = text.splitlines()
    assert heading in lines, f"docs/errors.md has no heading {heading!r}"
    rest = lines[lines.index(heading) + 1:]
    start = next(i for i, line in enumerate(rest) if line.startswith("|"))
    table = []
    for line in rest[start:]:
        if not line.startswith("|"):
            break
        table.append(_cells(line))
    assert table[0] == HEADER, f"the table under {heading!r} has columns {table[0]}, not {HEADER}"
    assert all(cell and set(cell) <= {"-", ":"} for cell in table[1]), f"no separator row under {heading!r}"
    rows: dict[str, list[str]] = {}
    for cells in table[2:]:
        match = re.fullmatch(r"`([A-Z_]+)`", cells[0])
        assert match, f"a code cell is one code in backticks, not {cells[0]!r}"
        assert match.group(1) not in rows, f"{match.group(1)} has two rows"
        rows[match.group(1)] = cells[1:]
    return rows


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text()


def test_the_table_reader_sees_rows_and_their_cells():
    text = f"intro\n{PAYLOAD_SECTION}\n\n| code | when it happens | what the client should do |\n| --- | --- | --- |\n" \
           "| `A_CODE` | sometimes | retry |\n\nafter\n| `NOT_IN_TABLE` | x | y |\n"
    assert table_under(PAYLOAD_SECTION, text) == {"A_CODE": ["sometimes", "retry"]}


def test_every_payload_code_has_a_description():
    assert [code.name for code in ErrorCode if not code.description.strip()] == []


def test_every_graphql_error_code_value_has_a_description():
    enum = build_schema()._schema.type_map["ErrorCode"]
    assert set(enum.values) == {code.name for code in ErrorCode}
    assert [name for name, value in enum.values.items() if not (value.description or "").strip()] == []
    assert enum.values["NOT_ALLOWED"].description == ErrorCode.NOT_ALLOWED.description


def test_every_request_error_code_has_a_description():
    assert [code.name for code in GraphQLErrorCode if not code.description.strip()] == []


def test_payload_codes_and_the_doc_rows_are_the_same(doc: str):
    rows = table_under(PAYLOAD_SECTION, doc)
    assert sorted(set(code.name for code in ErrorCode) - rows.keys()) == [], "codes without a row in docs/errors.md"
    assert sorted(rows.keys() - set(code.name for code in ErrorCode)) == [], "rows for codes that do not exist"
    assert [code for code, cells in rows.items() if not all(cells)] == [], "rows with an empty cell"


def test_graphql_error_codes_and_the_doc_rows_are_the_same(doc: str):
    rows = table_under(GRAPHQL_SECTION, doc)
    assert sorted(set(code.name for code in GraphQLErrorCode) - rows.keys()) == [], "codes without a row"
    assert sorted(rows.keys() - set(code.name for code in GraphQLErrorCode)) == [], "rows for codes that do not exist"
    assert [code for code, cells in rows.items() if not all(cells)] == [], "rows with an empty cell"


def test_the_doc_says_forbidden_covers_scope_and_role_and_not_allowed_is_a_state_rule(doc: str):
    forbidden = " ".join(table_under(GRAPHQL_SECTION, doc)["FORBIDDEN"])
    assert "scope" in forbidden and "role" in forbidden
    not_allowed = " ".join(table_under(PAYLOAD_SECTION, doc)["NOT_ALLOWED"])
    assert "state" in not_allowed and "FORBIDDEN" in not_allowed
