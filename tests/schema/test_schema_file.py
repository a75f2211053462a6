from pathlib import Path

from schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_matches_the_code():
    """A change to the API shows up in review as a change to schema.graphql.
    After changing the schema, run `make schema`."""
    assert SCHEMA_FILE.read_text() == build_schema().as_str() + "\n", "schema.graphql is stale: run `make schema`"


def test_every_type_and_field_is_documented():
    schema = build_schema()._schema
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "ID", "Int", "Float", "JSON", "UUID"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
    assert missing == [], f"undocumented: {missing}"
