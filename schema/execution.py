"""A shorter path through graphql-core's executor for plain leaf fields (issue 12).

Most fields of a page are attributes of a Strawberry type shown as a scalar or an
enum (``number``, ``amount``, ``currency``…). For each, graphql-core makes a
response path and a resolve info, Strawberry's basic-field wrapper calls
``getattr`` and the value is completed through ``complete_value``. For those
fields (no resolver, no field extension, no argument, a scalar or enum type,
nullable or not) this executor reads the attribute and coerces it directly.
Anything unusual (null in a non-null field, an exception or awaitable value, a
value the type cannot coerce) goes the standard way, which resolves the field
again and reports it exactly as before: answers and errors are unchanged.
"""

from __future__ import annotations

import logging
from types import GeneratorType
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema.compiled.runner import PlanRun

logger = logging.getLogger("portal.graphql")

PlainField = tuple[str, GraphQLLeafType, bool]
"""A plain leaf field: the Python attribute, the leaf type, whether it is non-null."""

_SLOW = object()
"""The field must go the standard way."""

_NOT_AWAITABLE: set[type] = set()
"""Types of values seen in plain fields that are not awaitable (the check is by type,
except for generators, which are never added)."""


def plain_leaf_fields(schema: GraphQLSchema) -> dict[str, dict[str, PlainField]]:
    """Per object type name, its fields that Strawberry resolves with ``getattr``
    (the basic-field wrapper) and whose type is a scalar or an enum."""
    plans: dict[str, dict[str, PlainField]] = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        fields: dict[str, PlainField] = {}
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            # Strawberry's wrapper of a field with no resolver, no field extension and no
            # exception handler (``GraphQLCoreConverter.from_resolver``); a field without a
            # resolver but with extensions is wrapped otherwise and keeps the standard path.
            basic = getattr(field.resolve, "__name__", None) == "_get_basic_result"
            if not basic or definition is None or not definition.is_basic_field or field.args:
                continue
            if definition.default_resolver is not getattr:
                continue
            field_type = field.type
            non_null = isinstance(field_type, GraphQLNonNull)
            leaf = field_type.of_type if non_null else field_type
            if is_leaf_type(leaf):
                fields[name] = (definition.python_name, leaf, non_null)
        if fields:
            plans[type_.name] = fields
    return plans


class PortalExecutionContext(StrawberryGraphQLCoreExecutionContext):
    plain_fields: dict[str, dict[str, PlainField]] = {}
    """Set on a subclass per schema (``schema.build_schema``)."""
    compiled: dict[int, Any] = {}
    """The plans of trusted query operations, by ``id`` of the operation's node (kept
    alive by the trusted documents): ``(operation, OperationPlans)``. Set on the
    subclass per schema (``schema.trusted``); empty when plans are turned off."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Strawberry passes a manager even when no extension resolves fields; an empty
        # one only returns each resolver unchanged, so drop it (and take the short path).
        manager = self.middleware_manager
        if manager is not None and not manager.middlewares:
            self.middleware_manager = None

    def execute_operation(self, serially: bool | None = None) -> Any:
        """A trusted query operation runs its compiled plan (``schema.compiled``);
        anything else, and anything the plan hands back, runs on graphql-core."""
        entry = self.compiled.get(id(self.operation)) if self.compiled else None
        unusual = self.abort_signal is not None or self.middleware_manager is not None
        if entry is None or entry[0] is not self.operation or unusual:
            return super().execute_operation(serially)
        plan = entry[1].for_variables(self, self.plain_fields)
        if plan is None:
            return super().execute_operation(serially)
        return self._run_plan(entry[1], plan, serially)

    async def _run_plan(self, plans: Any, plan: Any, serially: bool | None) -> Any:
        run = PlanRun(self, plans, self.plain_fields)
        try:
            data = await run.finish(run.start(plan))
        except Exception as exc:  # noqa: BLE001 - Fallback or a resolver's error: graphql-core answers
            run.discard()
            plans.fallbacks += 1
            logger.debug("plan of %s handed to graphql-core: %s", plans.name, exc)
            result = super().execute_operation(serially)
            return await result if self.is_awaitable(result) else result
        plans.runs += 1
        return self.finish(self.build_response(data))

    def _plain_value(self, plain: PlainField, source: Any) -> Any:
        """The completed value of a plain leaf field, or ``_SLOW``."""
        attribute, leaf, non_null = plain
        try:
            value = getattr(source, attribute, Undefined)
        except Exception:  # noqa: BLE001 - the standard path reports it
            return _SLOW
        if value is None:
            return _SLOW if non_null else None
        kind = type(value)
        if kind not in _NOT_AWAITABLE:
            if value is Undefined or isinstance(value, Exception) or self.is_awaitable(value):
                return _SLOW
            if kind is not GeneratorType:
                _NOT_AWAITABLE.add(kind)
        try:
            coerced = leaf.coerce_output_value(value)
        except Exception:  # noqa: BLE001 - the standard path reports it
            return _SLOW
        return _SLOW if coerced is None or coerced is Undefined else coerced

    def execute_field(
        self, parent_type: Any, source: Any, field_details_list: Any, path: Any, position_context: Any
    ) -> Any:
        if self.middleware_manager is None:
            node = field_details_list[0].node
            plain = self.plain_fields.get(parent_type.name)
            found = plain.get(node.name.value) if plain is not None and not node.arguments else None
            if found is not None:
                value = self._plain_value(found, source)
                if value is not _SLOW:
                    return value
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def execute_fields(
        self, parent_type: Any, source_value: Any, path: Any, grouped_field_set: Any, position_context: Any
    ) -> Any:
        """graphql-core's ``execute_fields``, with plain leaf fields completed in the
        loop (no response path, no resolve info)."""
        plain = self.plain_fields.get(parent_type.name)
        if plain is None or self.middleware_manager is not None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        append_awaitable = awaitable_fields.append
        type_name = parent_type.name
        try:
            for response_name, field_details_list in grouped_field_set.items():
                node = field_details_list[0].node
                found = None if node.arguments else plain.get(node.name.value)
                if found is not None:
                    value = self._plain_value(found, source_value)
                    if value is not _SLOW:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type, source_value, field_details_list, Path(path, response_name, type_name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        append_awaitable(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited_results = await gather_with_cancel(*(results[field] for field in awaitable_fields))
                results.update(zip(awaitable_fields, awaited_results, strict=True))
            return results

        return get_results()
