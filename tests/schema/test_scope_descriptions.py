"""The schema is the partner's manual: every root field says which scopes it needs,
in the words its permission enforces (added to the description when the schema is built)."""

from __future__ import annotations

import schema
from schema import field_scopes


def test_every_root_field_names_the_scopes_it_needs() -> None:
    built = schema.build_schema()
    roots = [built._schema.query_type, built._schema.mutation_type]
    unnamed = []
    for root in roots:
        assert root is not None
        for name, field in root.fields.items():
            scopes = field_scopes(built, root.name, name)
            description = field.description or ""
            if scopes:
                assert description.endswith(f"Needs one of the scopes {', '.join(f'`{s}`' for s in scopes)}."), name
            elif "scope" not in description.lower():
                unnamed.append(f"{root.name}.{name}")
    assert unnamed == [], "root fields that say nothing about scopes"
