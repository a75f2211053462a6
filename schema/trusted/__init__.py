"""Trusted documents: the operations the console and the apps send, known in advance.

Each ``*.graphql`` file of this directory is one document (one or more operations
with their fragments), and an operator adds their own front ends' documents with
``PORTAL_TRUSTED_DOCUMENTS_DIR``. A document's id is ``sha256:`` and the hex
SHA-256 of its file's text (UTF-8), the form of the GraphQL-over-HTTP persisted
documents convention. A client sends either the text itself or only
``"documentId": "sha256:…"`` (``extensions.persistedQuery.sha256Hash``, Apollo's
form, works too).

At start each document is parsed, validated and analysed once, and kept in the
schema's document cache for good (``DocumentCache.pin``); a broken document stops
the start, naming its file. Each query operation also gets its compiled plans
(``schema.compiled``), unless ``PORTAL_GRAPHQL_COMPILED_PLANS=off``. Any other
document keeps working as before on graphql-core (partners, GraphiQL).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import DocumentNode, GraphQLSyntaxError, OperationDefinitionNode, parse, specified_rules
from strawberry.schema.schema import validate_document

BUILT_IN = Path(__file__).parent
"""The repository's trusted documents: the reference console's and the apps'."""

ID_PREFIX = "sha256:"


class TrustedDocumentError(ValueError):
    """A trusted document that cannot be served: the start fails, naming it."""


@dataclass(frozen=True)
class TrustedDocument:
    id: str
    """``sha256:`` and the hex digest of ``text``."""
    source: str
    """Where it was read from (the file's name), for messages."""
    text: str

    @classmethod
    def of(cls, text: str, source: str) -> TrustedDocument:
        return cls(document_id(text), source, text)


def document_id(text: str) -> str:
    return ID_PREFIX + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class TrustedDocuments:
    """The documents of one server, by id and by text."""

    documents: tuple[TrustedDocument, ...] = ()
    _by_id: dict[str, TrustedDocument] = field(init=False, repr=False, compare=False)
    _by_text: dict[str, TrustedDocument] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {d.id: d for d in self.documents})
        object.__setattr__(self, "_by_text", {d.text: d for d in self.documents})

    @classmethod
    def load(cls, *directories: Path | None) -> TrustedDocuments:
        """The documents of ``BUILT_IN`` and of each directory given, in file-name
        order; the same text twice is kept once."""
        found: dict[str, TrustedDocument] = {}
        for directory in (BUILT_IN, *directories):
            if directory is None:
                continue
            if not directory.is_dir():
                raise TrustedDocumentError(f"{directory} is not a directory of trusted documents")
            for path in sorted(directory.glob("*.graphql")):
                document = TrustedDocument.of(path.read_text(encoding="utf-8"), path.name)
                found.setdefault(document.id, document)
        return cls(tuple(found.values()))

    def by_id(self, document_id: str) -> TrustedDocument | None:
        return self._by_id.get(document_id)

    def by_text(self, text: str) -> TrustedDocument | None:
        return self._by_text.get(text)


def register(schema: Any, documents: TrustedDocuments, *, compiled: bool) -> None:
    """Parse, validate, analyse and pin every document in ``schema``'s cache; with
    ``compiled``, give each query operation its plans."""
    from schema.compiled.plan import OperationPlans
    from schema.cost import analyse

    plans: dict[int, tuple[OperationDefinitionNode, OperationPlans]] = {}
    for trusted in documents.documents:
        document = _parsed(trusted)
        errors = validate_document(schema._schema, document, tuple(specified_rules))
        if errors:
            raise TrustedDocumentError(f"trusted document {trusted.source} does not fit the schema: {errors[0].message}")
        schema.document_cache.pin(trusted.text, document, analyse(document, schema._schema))
        if not compiled:
            continue
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operation_plans = OperationPlans.of(document, definition)
                if operation_plans is not None:
                    plans[id(definition)] = (definition, operation_plans)
    schema.execution_context_class.compiled = plans
    schema.trusted_documents = documents


def _parsed(trusted: TrustedDocument) -> DocumentNode:
    try:
        return parse(trusted.text)
    except GraphQLSyntaxError as exc:
        raise TrustedDocumentError(f"trusted document {trusted.source} is not valid GraphQL: {exc.message}") from None
