"""Running a plan: the response's ``data`` built from the resolvers' values.

One pass over the plan completes everything that is at hand; each resolver that
returns an awaitable leaves a placeholder in its object and joins the pending
work. All pending awaitables are then awaited together (as graphql-core gathers
the fields of a selection set, so DataLoaders still batch), their values
completed in place, which may leave more pending work, until none is left. The
keys of every object are placed in the order of the plan, so the answer is the
same JSON, byte for byte, as graphql-core's.

Anything a plan does not complete exactly as graphql-core would (a resolver that
raises, a null in a non-null field, a value that is not what its type expects,
an awaitable where a plain value was expected) raises ``Fallback`` and the caller
runs the operation again on graphql-core, which answers and reports it in its
own way. Plans only run queries, whose resolvers read, so running one again
changes nothing but the time spent.
"""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from types import GeneratorType
from typing import TYPE_CHECKING, Any

from graphql import GraphQLObjectType, Undefined
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, gather_with_cancel

from schema.compiled.plan import (
    ABSTRACT,
    ATTRIBUTE,
    LEAF,
    LIST,
    OBJECT,
    PLAIN,
    TYPENAME,
    Fallback,
    FieldPlan,
    Leaf,
    ObjectPlan,
    OperationPlans,
    TypePlan,
)

if TYPE_CHECKING:
    from schema.execution import PlainField

_NOT_AWAITABLE: set[type] = set()
"""Types of values met that are not awaitable (by type; generators never added)."""

Pending = tuple[Awaitable[Any], Any, Any, FieldPlan, GraphQLObjectType, Path]


class PlanRun:
    """One request's run of one plan."""

    def __init__(self, executor: Any, plans: OperationPlans, plain_fields: dict[str, dict[str, PlainField]]) -> None:
        self.executor = executor
        self.plans = plans
        self.plain_fields = plain_fields
        self.is_awaitable = executor.is_awaitable
        self.pending: list[Pending] = []
        self.arguments: dict[int, dict[str, Any]] = {}

    def start(self, root: ObjectPlan) -> dict[str, Any]:
        """The root object, with placeholders where work is pending."""
        return self.object(root, self.executor.root_value, None)

    async def finish(self, data: dict[str, Any]) -> dict[str, Any]:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                values = await gather_with_cancel(*(item[0] for item in batch))
            except Exception as exc:  # noqa: BLE001 - graphql-core reports it
                raise Fallback(type(exc).__name__) from None
            for (_, holder, key, field_plan, parent, path), value in zip(batch, values, strict=True):
                holder[key] = self.complete(field_plan.type_plan, value, field_plan, parent, path)  # type: ignore[arg-type]
        return data

    def discard(self) -> None:
        """Close the awaitables not yet started (the run is abandoned)."""
        for item in self.pending:
            close = getattr(item[0], "close", None)
            if close is not None:
                close()
        self.pending = []

    def object(self, plan: ObjectPlan, source: Any, path: Path | None) -> dict[str, Any]:
        result: dict[str, Any] = {}
        parent = plan.type
        for field_plan in plan.fields:
            kind = field_plan.kind
            if kind == PLAIN:
                value = getattr(source, field_plan.attribute, Undefined)
                leaf: Leaf = field_plan.leaf  # type: ignore[assignment]
                if type(value) in leaf.as_is:
                    result[field_plan.key] = value
                    continue
                names = leaf.names
                if names is not None:
                    name = names.get((type(value), value)) if isinstance(value, Enum) else None
                    if name is not None:
                        result[field_plan.key] = name
                        continue
                result[field_plan.key] = self.plain(field_plan.plain, leaf, value)  # type: ignore[arg-type]
            elif kind == ATTRIBUTE:
                value = getattr(source, field_plan.attribute, Undefined)
                if value is Undefined:
                    raise Fallback("missing attribute")
                self.check_not_awaitable(value)
                result[field_plan.key] = self.complete(
                    field_plan.type_plan, value, field_plan, parent, Path(path, field_plan.key, parent.name)  # type: ignore[arg-type]
                )
            elif kind == TYPENAME:
                result[field_plan.key] = parent.name
            else:
                self.resolve(field_plan, parent, source, path, result)
        return result

    def resolve(self, field_plan: FieldPlan, parent: GraphQLObjectType, source: Any, path: Path | None,
                result: dict[str, Any]) -> None:
        field_path = Path(path, field_plan.key, parent.name)
        info = self.executor.build_resolve_info(field_plan.field_def, field_plan.nodes, parent, field_path)
        arguments = field_plan.arguments
        if arguments is None:
            arguments = self.arguments.get(id(field_plan))
            if arguments is None:
                arguments = get_argument_values(
                    field_plan.field_def, field_plan.nodes[0], self.executor.variable_values, None,  # type: ignore[arg-type]
                    self.executor.hide_suggestions,
                )
                self.arguments[id(field_plan)] = arguments
        value = field_plan.resolve(source, info, **arguments)
        if self.is_awaitable(value):
            result[field_plan.key] = None
            self.pending.append((value, result, field_plan.key, field_plan, parent, field_path))
            return
        result[field_plan.key] = self.complete(field_plan.type_plan, value, field_plan, parent, field_path)  # type: ignore[arg-type]

    def plain(self, plain: PlainField, leaf: Leaf, value: Any) -> Any:
        if value is None:
            if plain[2]:
                raise Fallback("null in a non-null field")
            return None
        return self.leaf(leaf, value)

    def leaf(self, leaf: Leaf, value: Any) -> Any:
        """``value`` coerced by ``leaf`` (not None: the caller checked)."""
        self.check_not_awaitable(value)
        coerced = leaf.type.coerce_output_value(value)
        if coerced is None or coerced is Undefined:
            raise Fallback("value not coerced")
        if leaf.names is not None and isinstance(value, Enum):
            leaf.names[type(value), value] = coerced
        return coerced

    def check_not_awaitable(self, value: Any) -> None:
        kind = type(value)
        if kind in _NOT_AWAITABLE:
            return
        if value is Undefined or isinstance(value, Exception) or self.is_awaitable(value):
            raise Fallback("unusual value")
        if kind is not GeneratorType:
            _NOT_AWAITABLE.add(kind)

    def complete(self, plan: TypePlan, value: Any, field_plan: FieldPlan, parent: GraphQLObjectType,
                 path: Path) -> Any:
        if value is None or value is Undefined or isinstance(value, Exception):
            if plan.non_null or value is not None:
                raise Fallback("null in a non-null field")
            return None
        kind = plan.kind
        if kind == LEAF:
            leaf: Leaf = plan.leaf  # type: ignore[assignment]
            if type(value) in leaf.as_is:
                return value
            return self.leaf(leaf, value)
        if kind == OBJECT:
            return self.complete_object(plan.object_plan, value, field_plan, parent, path)  # type: ignore[arg-type]
        if kind == LIST:
            if type(value) is not list and type(value) is not tuple:
                raise Fallback("not a list")
            item = plan.item
            completed = []
            for index, entry in enumerate(value):
                self.check_not_awaitable(entry)
                completed.append(self.complete(item, entry, field_plan, parent, Path(path, index, None)))  # type: ignore[arg-type]
            return completed
        assert kind == ABSTRACT
        return self.complete_abstract(plan, value, field_plan, parent, path)

    def complete_object(self, plan: ObjectPlan, value: Any, field_plan: FieldPlan, parent: GraphQLObjectType,
                        path: Path) -> dict[str, Any]:
        is_type_of = plan.type.is_type_of
        if is_type_of is not None:
            info = self.executor.build_resolve_info(field_plan.field_def, field_plan.nodes, parent, path)
            if is_type_of(value, info) is not True:
                raise Fallback("is_type_of")
        return self.object(plan, value, path)

    def complete_abstract(self, plan: TypePlan, value: Any, field_plan: FieldPlan, parent: GraphQLObjectType,
                          path: Path) -> dict[str, Any]:
        executor = self.executor
        abstract = plan.abstract
        info = executor.build_resolve_info(field_plan.field_def, field_plan.nodes, parent, path)
        resolve_type = abstract.resolve_type or executor.type_resolver  # type: ignore[union-attr]
        name = resolve_type(value, info, abstract)
        runtime_type = executor.schema.get_type(name) if isinstance(name, str) else None
        if not isinstance(runtime_type, GraphQLObjectType) or not executor.schema.is_sub_type(abstract, runtime_type):
            raise Fallback("runtime type")
        object_plan = self.plans.runtime_plan(executor, self.plain_fields, plan, runtime_type)
        return self.complete_object(object_plan, value, field_plan, parent, path)
