"""Parsed documents, their analysis and their validation, kept per query text.

A console sends the same few documents over and over: each is parsed, analysed
(``schema.cost``) and validated once, then served from here. The cache is a
bounded LRU: at most ``max_entries`` documents and ``max_chars`` characters of
query text in all (a parsed document takes about 80 bytes per character, so the
default bound keeps it near 40 MB however many distinct documents arrive).

Trusted documents (``schema.trusted``) are pinned: found by their text whatever the
token limit, never evicted, validated at start.

Only what does not depend on the request is kept: the limits that depend on
variables (the cost) and on the caller (introspection) are checked again on
every request, against the cached analysis.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError

from schema.cost import DocumentAnalysis

DEFAULT_MAX_ENTRIES = 512
DEFAULT_MAX_CHARS = 500_000


@dataclass
class CachedDocument:
    query: str
    document: DocumentNode
    analysis: DocumentAnalysis
    validation_errors: tuple[GraphQLError, ...] | None = None
    """None until validated; then the errors (none: the document is valid)."""


@dataclass
class CacheStats:
    """Counters, for tests and benchmarks: how often each step really ran."""

    parsed: int = 0
    validated: int = 0
    hits: int = 0


class DocumentCache:
    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.stats = CacheStats()
        self._entries: OrderedDict[tuple[str, int | None], CachedDocument] = OrderedDict()
        self._chars = 0
        self._pinned: dict[str, CachedDocument] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str, max_tokens: int | None) -> CachedDocument | None:
        pinned = self._pinned.get(query)
        if pinned is not None:
            self.stats.hits += 1
            return pinned
        entry = self._entries.get((query, max_tokens))
        if entry is not None:
            self._entries.move_to_end((query, max_tokens))
            self.stats.hits += 1
        return entry

    def put(self, query: str, max_tokens: int | None, document: DocumentNode, analysis: DocumentAnalysis) -> CachedDocument:
        """Keep a document just parsed (and analysed); returns its entry, which is
        not kept when the query alone is larger than the whole cache."""
        self.stats.parsed += 1
        entry = CachedDocument(query, document, analysis)
        if len(query) > self.max_chars:
            return entry
        key = (query, max_tokens)
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._chars -= len(previous.query)
        self._entries[key] = entry
        self._chars += len(query)
        while len(self._entries) > self.max_entries or self._chars > self.max_chars:
            _, evicted = self._entries.popitem(last=False)
            self._chars -= len(evicted.query)
        return entry

    def pin(self, query: str, document: DocumentNode, analysis: DocumentAnalysis) -> CachedDocument:
        """Keep a trusted document for good, already validated (without errors)."""
        entry = CachedDocument(query, document, analysis, validation_errors=())
        self._pinned[query] = entry
        return entry

    def record_validation(self, entry: CachedDocument, errors: list[GraphQLError] | None) -> None:
        self.stats.validated += 1
        entry.validation_errors = tuple(errors or ())

    def clear(self) -> None:
        """Forget the documents met (pinned documents stay)."""
        self._entries.clear()
        self._chars = 0
