"""The documentation names tests that exist: every ``tests/…py::test_name`` cited in
docs/ and in ARCHITECTURE.md points to a real test function."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITATION = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_test_the_documentation_cites_exists() -> None:
    documents = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "ARCHITECTURE.md", ROOT / "README.md"]
    cited = [(doc.name, file, name) for doc in documents for file, name in CITATION.findall(doc.read_text())]
    assert cited, "docs/billing-rules.md cites the tests that prove each rule"
    missing = [
        f"{doc}: {file}::{name}" for doc, file, name in cited
        if not (ROOT / file).is_file() or name not in _test_names(ROOT / file)
    ]
    assert missing == []
