"""Schemathesis's GraphQL mode against the served app: zero server errors.

``portal serve`` runs as deployed (uvicorn, SQLite, the demo data of ``portal demo``);
the ``schemathesis`` command line introspects its schema and fuzzes every query and
mutation over HTTP with the values of ``tests.support.graphql_values`` (registered for
the custom scalars, ``ID`` and ``String`` by ``tests.support.schemathesis_hooks``), and
checks ``not_a_server_error``: no 5xx, and no GraphQL error that is not the client's.

It runs once per kind of caller, each on the operations its scopes open (read from the
schema's ``requires``): the demo account's owner with every customer scope, and staff.
Schemathesis counts an error that carries a ``path`` and a code it does not know as a
server error, FORBIDDEN included, so a caller is not sent to operations it may not call
(those refusals are the scope tests' subject). ``PORTAL_SCHEMATHESIS_EXAMPLES`` sets the
examples per operation (default 30).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from billing.access.caller import ALL_SCOPES, SCOPE_ADMIN
from tests.support.schema_scopes import built_schema, required_scopes
from tests.support.server import REPO, serving

EXAMPLES = os.environ.get("PORTAL_SCHEMATHESIS_EXAMPLES", "30")
CUSTOMER_SCOPES = frozenset(ALL_SCOPES) - {SCOPE_ADMIN}
CALLERS = {
    "owner": ("demo-owner", CUSTOMER_SCOPES),
    "staff": ("staff-1", frozenset({SCOPE_ADMIN})),
}


def _operations(scopes: frozenset[str]) -> list[str]:
    """``Query.x`` / ``Mutation.y`` for every root field a caller holding ``scopes`` may call."""
    graphql_schema = built_schema()._schema
    names = []
    for root in (graphql_schema.query_type, graphql_schema.mutation_type):
        for field_name in root.fields:
            required = required_scopes(root.name, field_name)
            if required is None or scopes & set(required):
                names.append(f"{root.name}.{field_name}")
    return names


def test_every_operation_is_fuzzed_by_some_caller():
    graphql_schema = built_schema()._schema
    every = {f"{root.name}.{name}" for root in (graphql_schema.query_type, graphql_schema.mutation_type)
             for name in root.fields}
    covered = set().union(*(_operations(scopes) for _, scopes in CALLERS.values()))
    assert covered == every, f"fuzzed by nobody: {sorted(every - covered)}"


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_schemathesis_finds_no_server_error(tmp_path: Path, caller: str):
    subject, scopes = CALLERS[caller]
    # Fuzzing sends hundreds of requests a minute as one caller: no rate limit (docs/limits.md).
    with serving(tmp_path, PORTAL_RATE_LIMIT_SUBJECT_PER_MINUTE="0", PORTAL_RATE_LIMIT_CLIENT_PER_MINUTE="0") as served:
        served.portal("migrate")
        served.portal("demo")
        token = served.portal("token", "--subject", subject, "--scope", " ".join(sorted(scopes))).strip()
        command = [
            sys.executable, "-m", "schemathesis.cli", "run", f"{served.url}/graphql",
            "--header", f"Authorization: Bearer {token}",
            "--checks", "not_a_server_error",
            "--max-examples", EXAMPLES,
            "--request-timeout", "30",
            "--workers", "1",
            "--no-color",
            "--report", "junit", "--report-dir", str(tmp_path / "report"),
        ]
        for operation in _operations(scopes):
            command += ["--include-name", operation]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks", "PYTHONPATH": str(REPO)}
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"schemathesis as {caller}:\n{result.stdout[-20_000:]}\n{result.stderr[-5_000:]}"
    assert "Tested: " in result.stdout, result.stdout
    summary = result.stdout[result.stdout.index("API Operations:"):]
    print(f"schemathesis as {caller}:\n{summary}")  # the counts, with -s or on a failure elsewhere
