"""What an operation would cost, judged from its document alone, before it runs.

One pass over the document computes, for every operation, its depth, its aliases,
its size and its cost, each fragment once (its result is memoised and reused at
every spread), so a document of fragments that spread each other twice costs
time linear in its length to judge, however large its expansion is.

- **depth**: nesting of fields with a selection; a leaf counts 0, introspection
  fields (``__schema``, ``__type``) are not counted (as Strawberry's limiter did).
- **aliases**: aliased fields, each fragment's counted at every spread.
- **cost**: each field costs 1; a connection (a field returning a ``…Connection``,
  or with a ``first`` argument) multiplies its selection's cost by ``first``
  (20 when absent or null, at most 100), and ``nodes(ids:)`` by the number of ids.
  A variable's value comes from the request; the cost is therefore kept as a
  small expression over the variables and evaluated per request.
- **repeats**: pairs of selections of the same response name in one selection
  set once fragments are expanded and same-named fields merged. Checking that such
  fields can be merged is what makes validation quadratic (500 copies of one field
  took seconds), so it is bounded too.

A cycle of fragments (``A`` spreads ``B`` which spreads ``A``) has no size: the
analysis names it and the document is refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_interface_type,
    is_object_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

from schema.pagination import DEFAULT_PAGE, MAX_PAGE

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
"""Fields that read the schema itself; ``__typename`` is not one of them."""

EXPANSION_CAP = 20_000
"""Above this many fields once fragments are expanded, a document is not expanded
further (to count repeats): it is refused as too costly."""

_MAX_IDS = 100
"""``nodes(ids:)`` takes at most this many ids (more are refused as BAD_USER_INPUT)."""


class FragmentCycle(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


_ABSENT = {"first": DEFAULT_PAGE, "ids": 1}
"""The count of an argument not given (nor its variable)."""


def _count(kind: str, value: Any) -> int:
    """How many times a value of ``first`` (a page size) or ``ids`` (a list of
    ids) resolves the selection: at least 1 (an empty page still resolves its page
    info), at most the most the resolver accepts (beyond it, it refuses the
    argument with its own ``BAD_USER_INPUT``)."""
    if kind == "first":
        if value is None:
            return DEFAULT_PAGE
        if isinstance(value, int) and not isinstance(value, bool):
            return max(1, min(value, MAX_PAGE))
        return MAX_PAGE  # not a page size: execution refuses it; count the most
    if isinstance(value, list):
        return max(1, min(len(value), _MAX_IDS))
    return 1  # a single id (input coercion makes it a list of one)


@dataclass(frozen=True)
class Multiplier:
    """How many times a connection's selection is resolved: a page size (``first``)
    or a number of ids (``ids``), known from a literal or read from a variable."""

    kind: str  # "first" or "ids"
    literal: int = 1
    variable: str | None = None

    @classmethod
    def of_argument(cls, kind: str, node: ValueNode | None) -> Multiplier:
        if isinstance(node, VariableNode):
            return cls(kind, variable=node.name.value)
        return cls(kind, literal=_count(kind, _literal(node)) if node is not None else _ABSENT[kind])

    def value(self, variables: Mapping[str, Any], defaults: Mapping[str, Any]) -> int:
        if self.variable is None:
            return self.literal
        if self.variable in variables:
            return _count(self.kind, variables[self.variable])
        if self.variable in defaults:
            return _count(self.kind, defaults[self.variable])
        return _ABSENT[self.kind]  # not provided, no default: as if the argument were not written


_ONCE = Multiplier("first", literal=1)


class CostTerm:
    """A cost as ``base + Σ multiplier × child``: constant parts folded into
    ``base``, the parts that depend on variables kept as terms."""

    __slots__ = ("base", "terms")

    def __init__(self) -> None:
        self.base = 0
        self.terms: list[tuple[Multiplier, CostTerm]] = []

    @property
    def constant(self) -> bool:
        return not self.terms

    def add(self, other: CostTerm, multiplier: Multiplier | None = None) -> None:
        """Add ``multiplier × other``. A term that depends on variables is shared,
        never copied: a fragment spread twice is one term referenced twice."""
        multiplier = multiplier or _ONCE
        if other.constant and multiplier.variable is None:
            self.base += multiplier.value({}, {}) * other.base
        else:
            self.terms.append((multiplier, other))

    def evaluate(self, variables: Mapping[str, Any], defaults: Mapping[str, Any]) -> int:
        """The value with these variables: each shared term evaluated once, without
        recursion (a chain of fragments can be long)."""
        values: dict[int, int] = {}
        stack: list[CostTerm] = [self]
        while stack:
            term = stack[-1]
            if id(term) in values:
                stack.pop()
                continue
            pending = [child for _, child in term.terms if id(child) not in values]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            values[id(term)] = term.base + sum(m.value(variables, defaults) * values[id(c)] for m, c in term.terms)
        return values[id(self)]


class Shape:
    """What a selection set (a fragment, an operation) amounts to."""

    __slots__ = ("depth", "aliases", "size", "introspects", "cost")

    def __init__(self) -> None:
        self.depth = 0
        self.aliases = 0
        self.size = 0
        self.introspects = False
        self.cost = CostTerm()

    def include(self, other: Shape) -> None:
        self.depth = max(self.depth, other.depth)
        self.aliases += other.aliases
        self.size += other.size
        self.introspects = self.introspects or other.introspects
        self.cost.add(other.cost)


@dataclass(frozen=True)
class OperationAnalysis:
    name: str | None
    depth: int
    aliases: int
    size: int
    introspects: bool
    cost_term: CostTerm
    variable_defaults: Mapping[str, Any]

    def cost(self, variables: Mapping[str, Any] | None) -> int:
        """The cost with these variables (the request's)."""
        return self.cost_term.evaluate(variables or {}, self.variable_defaults)


class DocumentAnalysis:
    """What a document amounts to, whatever its variables: computed once per
    document (and cached with it); only ``OperationAnalysis.cost`` reads variables."""

    def __init__(
        self,
        operations: tuple[OperationAnalysis, ...] = (),
        *,
        cycle: str | None = None,
        too_deep: bool = False,
        largest: int = 0,
        roots: tuple[SelectionSetNode, ...] = (),
        fragments: Mapping[str, FragmentDefinitionNode] | None = None,
    ) -> None:
        self.operations = operations
        self.cycle = cycle
        """A fragment that spreads itself, directly or not (the document is invalid)."""
        self.too_deep = too_deep
        """Nested far beyond any depth limit (too deep to walk at all)."""
        self.largest = largest
        """The most fields any operation or fragment selects once expanded."""
        self._roots = roots
        self._fragments = fragments or {}
        self._repeats: int | None = None
        self._counted = False

    def operation(self, name: str | None) -> OperationAnalysis | None:
        """The operation ``name`` selects (the only one when ``name`` is None)."""
        if name is None:
            return self.operations[0] if len(self.operations) == 1 else None
        return next((op for op in self.operations if op.name == name), None)

    @property
    def repeats(self) -> int | None:
        """Pairs of same-named selections in merged selection sets, over every
        operation and fragment definition; None when the document is too large to
        expand (over ``EXPANSION_CAP`` fields in all). Counted once, when first asked
        (after the cheaper limits passed)."""
        if not self._counted:
            self._counted = True
            if self.largest * max(1, len(self._roots)) <= EXPANSION_CAP:
                try:
                    self._repeats = sum(_merged_pairs([root], self._fragments) for root in self._roots)
                except RecursionError:
                    self._repeats = None
        return self._repeats


def analyse(document: DocumentNode, schema: GraphQLSchema) -> DocumentAnalysis:
    """Depth, aliases, size and cost of every operation of ``document``."""
    walker = _Walker(document, schema)
    try:
        operations = tuple(walker.operation(op) for op in walker.operations)
        fragment_shapes = [walker.fragment(name) for name in walker.fragments]
    except FragmentCycle as cycle:
        return DocumentAnalysis(cycle=cycle.name)
    except RecursionError:  # nesting far beyond any depth limit
        return DocumentAnalysis(too_deep=True)
    sizes = [op.size for op in operations] + [shape.size for shape in fragment_shapes]
    roots = tuple(op.selection_set for op in walker.operations) + tuple(
        fragment.selection_set for fragment in walker.fragments.values()
    )
    return DocumentAnalysis(operations, largest=max(sizes, default=0), roots=roots, fragments=walker.fragments)


class _Walker:
    def __init__(self, document: DocumentNode, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[str, Shape] = {}
        self.in_progress: set[str] = set()

    def operation(self, node: OperationDefinitionNode) -> OperationAnalysis:
        root = self.schema.get_root_type(node.operation)
        shape = self.selection_set(node.selection_set, root)
        defaults = {
            definition.variable.name.value: _literal(definition.default_value)
            for definition in node.variable_definitions or ()
            if definition.default_value is not None
        }
        return OperationAnalysis(
            name=node.name.value if node.name else None,
            depth=shape.depth,
            aliases=shape.aliases,
            size=shape.size,
            introspects=shape.introspects,
            cost_term=shape.cost,
            variable_defaults=defaults,
        )

    def fragment(self, name: str) -> Shape:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None:  # unknown fragment: validation reports it
            return Shape()
        if name in self.in_progress:
            raise FragmentCycle(name)
        self.in_progress.add(name)
        shape = self.selection_set(definition.selection_set, self.schema.get_type(definition.type_condition.name.value))
        self.in_progress.discard(name)
        self.memo[name] = shape
        return shape

    def selection_set(self, node: SelectionSetNode, parent: GraphQLNamedType | None) -> Shape:
        shape = Shape()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent, shape)
            elif isinstance(selection, FragmentSpreadNode):
                shape.include(self.fragment(selection.name.value))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                shape.include(self.selection_set(selection.selection_set, inner))
        return shape

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, shape: Shape) -> None:
        """Add the field ``node`` (and what it selects) to ``shape``."""
        name = node.name.value
        shape.size += 1
        shape.cost.base += 1
        if node.alias is not None:
            shape.aliases += 1
        if name in INTROSPECTION_FIELDS:
            shape.introspects = True
        if node.selection_set is None:
            return
        definition = _field_definition(self.schema, parent, name)
        child_type = get_named_type(definition.type) if definition is not None else None
        children = self.selection_set(node.selection_set, child_type)
        shape.aliases += children.aliases
        shape.size += children.size
        shape.introspects = shape.introspects or children.introspects
        if not name.startswith("__"):
            shape.depth = max(shape.depth, 1 + children.depth)
        shape.cost.add(children.cost, _multiplier(node, definition, child_type))


def _field_definition(schema: GraphQLSchema, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is schema.query_type:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
    if parent is not None and (is_object_type(parent) or is_interface_type(parent)):
        return parent.fields.get(name)
    return None


def _multiplier(node: FieldNode, definition: GraphQLField | None, child: GraphQLNamedType | None) -> Multiplier | None:
    arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
    is_connection = (child is not None and child.name.endswith("Connection")) or (
        definition is not None and "first" in definition.args
    )
    if is_connection:
        return Multiplier.of_argument("first", arguments.get("first"))
    if "ids" in arguments and definition is not None and "ids" in definition.args:
        return Multiplier.of_argument("ids", arguments["ids"])
    return None


def _literal(value: ValueNode | None) -> Any:
    """A literal as the multiplier reads it: an int, None, a list, or anything else."""
    if value is None or isinstance(value, NullValueNode):
        return None
    if isinstance(value, IntValueNode):
        return int(value.value)
    if isinstance(value, ListValueNode):
        return list(value.values)
    return value


def _merged_pairs(selection_sets: list[SelectionSetNode], fragments: Mapping[str, FragmentDefinitionNode]) -> int:
    """Pairs of same-named fields across ``selection_sets`` merged into one (fragments
    expanded), plus the same for each merged group's sub-selections, recursively."""
    groups: dict[str, list[SelectionSetNode | None]] = {}
    for selection_set in selection_sets:
        for node in _fields(selection_set, fragments, frozenset()):
            key = node.alias.value if node.alias else node.name.value
            groups.setdefault(key, []).append(node.selection_set)
    pairs = 0
    for subs in groups.values():
        pairs += len(subs) * (len(subs) - 1) // 2
        inner = [sub for sub in subs if sub is not None]
        if inner:
            pairs += _merged_pairs(inner, fragments)
    return pairs


def _fields(
    node: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], spreading: frozenset[str]
) -> Iterator[FieldNode]:
    for selection in node.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, spreading)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in spreading:
                yield from _fields(fragments[name].selection_set, fragments, spreading | {name})
