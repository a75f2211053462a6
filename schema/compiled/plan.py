"""Plans: a trusted query operation compiled once into what to do per field.

graphql-core walks the document on every request: for every field of every
object it looks up the field definition, builds a response path and a resolve
info, calls the resolver, then dispatches on the return type to complete the
value. For an operation known in advance all of that but the resolver call and
the value itself is the same on every request. A plan holds it, decided once:

- the fields of each selection set, grouped and ordered by graphql-core's own
  ``collect_fields`` (so fragments, aliases, ``@include``/``@skip`` and merged
  selections come out exactly as the standard executor collects them);
- per field, how its value is read: a plain attribute shown as a scalar or enum
  (``schema.execution.plain_leaf_fields``), another attribute Strawberry reads
  with ``getattr``, ``__typename``, or the field's resolver (with its arguments
  coerced once when they use no variable);
- per return type, how the value is completed (non-null, list, leaf, object,
  abstract), with the sub-plan of each object type.

Which fields are collected depends on the variables of ``@include``/``@skip``:
an operation keeps one plan per combination of their values
(``OperationPlans.for_variables``), compiled the first time it is met.
``schema.compiled.runner`` runs a plan; whatever a plan cannot complete exactly
as graphql-core would, it leaves to graphql-core (``Fallback``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLAbstractType,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    visit,
)
from graphql.execution.collect_fields import FieldDetailsList, collect_fields, collect_subfields
from graphql.execution.values import VariableValues, get_argument_values
from graphql.language import Visitor
from strawberry.schema.schema_converter import GraphQLCoreConverter

if TYPE_CHECKING:
    from schema.execution import PlainField


INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class Fallback(Exception):  # noqa: N818 - a signal, not an error
    """The plan met something it does not complete itself (an error, a null in a
    non-null field, an unusual value): graphql-core answers the operation."""


class NotCompilable(Exception):  # noqa: N818 - a signal, not an error
    """The operation uses something plans do not cover (introspection, ``@defer``,
    fragment arguments); it always runs on graphql-core."""


# How a field's value is read.
PLAIN, ATTRIBUTE, RESOLVER, TYPENAME = range(4)
# How a value is completed.
LEAF, LIST, OBJECT, ABSTRACT = range(4)


@dataclass(eq=False, slots=True)
class Leaf:
    """How a scalar or enum value is coerced, with the shortcuts that give the same
    answer as ``coerce_output_value``: ``str`` for String and ID and ``bool`` for
    Boolean are shown as they are; an enum member's name is remembered."""

    type: GraphQLLeafType
    as_is: frozenset[type]
    names: dict[Any, Any] | None
    """Enums: the coerced value of each member met, by its class and itself (members
    are immutable singletons; the class keeps apart members of str enums that are
    equal to one another)."""

    @classmethod
    def of(cls, leaf: GraphQLLeafType) -> Leaf:
        if isinstance(leaf, GraphQLEnumType):
            return cls(leaf, frozenset(), {})
        return cls(leaf, _AS_IS.get(leaf.name, frozenset()) if leaf in _BUILT_IN else frozenset(), None)


_BUILT_IN = (GraphQLString, GraphQLID, GraphQLBoolean)
_AS_IS = {"String": frozenset({str}), "ID": frozenset({str}), "Boolean": frozenset({bool})}


@dataclass(eq=False, slots=True)
class TypePlan:
    """How a value of one output type is completed."""

    kind: int
    non_null: bool
    leaf: Leaf | None = None
    item: TypePlan | None = None
    object_plan: ObjectPlan | None = None
    abstract: GraphQLAbstractType | None = None
    runtime_plans: dict[str, ObjectPlan] = field(default_factory=dict)
    """Abstract types: the object plan of each runtime type met so far."""
    field_details: FieldDetailsList | None = None
    """Abstract types: the fields whose sub-selections a runtime type's plan collects."""


@dataclass(eq=False, slots=True)
class FieldPlan:
    """One response key of a selection set."""

    key: str
    kind: int
    field_def: GraphQLField | None
    field_details: FieldDetailsList
    nodes: list[FieldNode]
    attribute: str = ""
    plain: PlainField | None = None
    leaf: Leaf | None = None
    """Plain fields: how their value is coerced."""
    resolve: Any = None
    arguments: dict[str, Any] | None = None
    """Coerced once when no argument uses a variable; None: coerced per request."""
    type_plan: TypePlan | None = None


@dataclass(eq=False, slots=True)
class ObjectPlan:
    type: GraphQLObjectType
    fields: list[FieldPlan]


@dataclass
class Compiler:
    """Compiles plans for one operation of one document (one request's variables
    decide ``@include``/``@skip``; the plan is kept for every request with the
    same values of those variables)."""

    schema: GraphQLSchema
    plain_fields: dict[str, dict[str, PlainField]]
    fragments: Any
    variable_values: VariableValues
    operation: OperationDefinitionNode
    hide_suggestions: bool

    def root(self) -> ObjectPlan:
        root_type = self.schema.get_root_type(self.operation.operation)
        if root_type is None:
            raise NotCompilable("no root type")
        grouped, defer_usages, forbidden = collect_fields(
            self.schema, self.fragments, self.variable_values, root_type, self.operation, self.hide_suggestions
        )
        if defer_usages or forbidden:
            raise NotCompilable("@defer")
        return self._object_plan(root_type, grouped)

    def subfields(self, object_type: GraphQLObjectType, field_details: FieldDetailsList) -> ObjectPlan:
        grouped, defer_usages, forbidden = collect_subfields(
            self.schema, self.fragments, self.variable_values, self.operation, object_type, field_details,
            self.hide_suggestions,
        )
        if defer_usages or forbidden:
            raise NotCompilable("@defer")
        return self._object_plan(object_type, grouped)

    def _object_plan(self, object_type: GraphQLObjectType, grouped: dict[str, FieldDetailsList]) -> ObjectPlan:
        return ObjectPlan(object_type, [self._field_plan(object_type, key, details) for key, details in grouped.items()])

    def _field_plan(self, parent: GraphQLObjectType, key: str, details: FieldDetailsList) -> FieldPlan:
        first = details[0]
        if first.fragment_variable_values is not None:
            raise NotCompilable("fragment arguments")
        node = first.node
        name = node.name.value
        nodes = [detail.node for detail in details]
        if name in INTROSPECTION_FIELDS:
            raise NotCompilable("introspection")
        if name == "__typename":
            return FieldPlan(key, TYPENAME, None, details, nodes)
        field_def = self.schema.get_field(parent, name)
        if field_def is None:
            raise NotCompilable(f"no field {parent.name}.{name}")
        plain = None if node.arguments else self.plain_fields.get(parent.name, {}).get(name)
        if plain is not None:
            return FieldPlan(key, PLAIN, field_def, details, nodes, attribute=plain[0], plain=plain, leaf=Leaf.of(plain[1]))
        type_plan = self._type_plan(field_def.type, details)
        attribute = _basic_attribute(field_def)
        if attribute is not None and not node.arguments:
            return FieldPlan(key, ATTRIBUTE, field_def, details, nodes, attribute=attribute, type_plan=type_plan)
        arguments = None
        if not _uses_variables(node.arguments):
            arguments = get_argument_values(field_def, node, None, None, self.hide_suggestions)
        return FieldPlan(
            key, RESOLVER, field_def, details, nodes, resolve=field_def.resolve, arguments=arguments,
            type_plan=type_plan,
        )

    def _type_plan(self, output_type: GraphQLOutputType, details: FieldDetailsList) -> TypePlan:
        non_null = is_non_null_type(output_type)
        if non_null:
            assert isinstance(output_type, GraphQLNonNull)
            output_type = output_type.of_type
        if is_list_type(output_type):
            assert isinstance(output_type, GraphQLList)
            return TypePlan(LIST, non_null, item=self._type_plan(output_type.of_type, details))
        if is_leaf_type(output_type):
            return TypePlan(LEAF, non_null, leaf=Leaf.of(output_type))  # type: ignore[arg-type]
        if is_object_type(output_type):
            assert isinstance(output_type, GraphQLObjectType)
            return TypePlan(OBJECT, non_null, object_plan=self.subfields(output_type, details))
        if is_abstract_type(output_type):
            return TypePlan(ABSTRACT, non_null, abstract=output_type, field_details=details)  # type: ignore[arg-type]
        raise NotCompilable(f"output type {output_type}")


def _basic_attribute(field_def: GraphQLField) -> str | None:
    """The attribute Strawberry reads for a field with no resolver, no field
    extension and no argument (its basic-field wrapper calls ``getattr``), else None."""
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or field_def.args or not definition.is_basic_field:
        return None
    if getattr(field_def.resolve, "__name__", None) != "_get_basic_result" or definition.default_resolver is not getattr:
        return None
    return str(definition.python_name)


def _uses_variables(arguments: tuple[ArgumentNode, ...] | None) -> bool:
    if not arguments:
        return False
    found = False

    class _Finder(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    for argument in arguments:
        visit(argument, _Finder())
    return found


def condition_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables ``@include``/``@skip`` read anywhere in the document: the
    values that decide which fields a plan collects."""
    names: list[str] = []

    class _Finder(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            if node.name.value in ("include", "skip"):
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode) and argument.value.name.value not in names:
                        names.append(argument.value.name.value)

    visit(document, _Finder())
    return tuple(names)


@dataclass(eq=False)
class OperationPlans:
    """The plans of one trusted query operation, one per combination of the values
    of its ``@include``/``@skip`` variables."""

    document: DocumentNode
    operation: OperationDefinitionNode
    conditions: tuple[str, ...]
    name: str = "(anonymous)"
    runs: int = 0
    """Requests answered by a plan."""
    fallbacks: int = 0
    """Requests a plan handed to graphql-core (errors, unusual values)."""
    plans: dict[tuple[Any, ...], ObjectPlan | None] = field(default_factory=dict)

    @classmethod
    def of(cls, document: DocumentNode, operation: OperationDefinitionNode) -> OperationPlans | None:
        """Plans for a query operation (mutations always run on graphql-core:
        their resolvers write, and a plan may hand an operation back to it)."""
        if operation.operation != OperationType.QUERY:
            return None
        name = operation.name.value if operation.name else "(anonymous)"
        return cls(document, operation, condition_variables(document), name)

    def for_variables(self, executor: Any, plain_fields: dict[str, dict[str, PlainField]]) -> ObjectPlan | None:
        """The plan for this request's variables (compiled on first use; None when
        the operation cannot be compiled)."""
        coerced = executor.variable_values.coerced
        signature = tuple(coerced.get(name) for name in self.conditions)
        if signature in self.plans:
            return self.plans[signature]
        try:
            plan: ObjectPlan | None = self._compiler(executor, plain_fields).root()
        except NotCompilable:
            plan = None
        self.plans[signature] = plan
        return plan

    def runtime_plan(self, executor: Any, plain_fields: dict[str, dict[str, PlainField]], type_plan: TypePlan,
                     runtime_type: GraphQLObjectType) -> ObjectPlan:
        """The plan of an abstract field's value once its runtime type is known."""
        plan = type_plan.runtime_plans.get(runtime_type.name)
        if plan is None:
            assert type_plan.field_details is not None
            try:
                plan = self._compiler(executor, plain_fields).subfields(runtime_type, type_plan.field_details)
            except NotCompilable as exc:
                raise Fallback(str(exc)) from None
            type_plan.runtime_plans[runtime_type.name] = plan
        return plan

    def _compiler(self, executor: Any, plain_fields: dict[str, dict[str, PlainField]]) -> Compiler:
        """A compiler for this operation with this request's fragments and variables."""
        return Compiler(
            executor.schema, plain_fields, executor.fragments, executor.variable_values, self.operation,
            executor.hide_suggestions,
        )
