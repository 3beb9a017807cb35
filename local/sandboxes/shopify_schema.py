"""Shopify's GraphQL Admin schema (API 2025-10) as the sandbox serves it, and its cost rules.

The schema is Shopify's own: the introspection result vendored in ``local/contracts/shopify`` (its
README says where it comes from), built by graphql-core once per process, so a field, argument or
input shape that Shopify does not have is refused here too. ``build_client_schema`` gives custom
scalars no behaviour (any value passes through); ``SCALARS`` gives each the wire form Shopify
documents for it (Money, Decimal, DateTime, URL, UnsignedInt64... travel as strings) and checks
the inputs it takes.

Cost follows shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits: scalars and enums 0,
objects, interfaces and unions 1, connections 2 + (first or last) x the cost of one item, mutations
10. A bulk query (``bulkOperationRunQuery``) costs the mutation's 10 points; its inner query is not
charged.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    build_client_schema,
    get_named_type,
    is_leaf_type,
    parse,
    specified_scalar_types,
    validate,
    value_from_ast_untyped,
)

MUTATION_COST = 10
MAX_PAGE = 250  # Shopify's cap on first/last
MAX_QUERY_COST = 1000  # Shopify's single-query limit
ADMIN_SCHEMA_FILE = Path(__file__).resolve().parents[1] / "contracts" / "shopify" / "admin_2025-10.json.gz"


@functools.cache
def admin_schema() -> GraphQLSchema:
    """Shopify's Admin schema, built on first use (about half a second) and kept for the process."""
    with gzip.open(ADMIN_SCHEMA_FILE) as file:
        introspection = json.load(file)["data"]
    # Shopify's schema is valid: skip graphql-core's whole-schema check on first validate/execute.
    schema = build_client_schema(introspection, assume_valid=True)
    for name, (serialize, parse_value) in SCALARS.items():
        scalar = schema.get_type(name)
        if isinstance(scalar, GraphQLScalarType):
            # graphql-core's own constructor sets these two the same way
            scalar.serialize = serialize  # type: ignore[method-assign,assignment]
            scalar.parse_value = parse_value  # type: ignore[method-assign,assignment]
    return schema


@functools.lru_cache(maxsize=256)
def checked(text: str) -> tuple[DocumentNode, tuple[GraphQLError, ...]]:
    """The parsed document and what validation against the schema finds wrong with it (raises
    GraphQLError on a syntax error). Kept by text: clients send the same few documents again and
    again, and neither the document nor the errors are changed by whoever reads them."""
    document = parse(text)
    return document, tuple(validate(admin_schema(), document))


def custom_scalars(schema: GraphQLSchema) -> set[str]:
    return {
        name
        for name, named in schema.type_map.items()
        if isinstance(named, GraphQLScalarType) and name not in specified_scalar_types
    }


# -- custom scalars: what a resolver's value becomes in the answer, which input values are taken --


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a string is expected, not {value!r}")
    return value


def _decimal_out(value: Any) -> str:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _decimal_in(value: Any) -> Any:
    """A decimal number, as a string ("29.99") or a JSON number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"a decimal number is expected, not {value!r}")
    try:
        if not Decimal(str(value)).is_finite():
            raise TypeError(f"a finite decimal number is expected, not {value!r}")
    except InvalidOperation as exc:
        raise TypeError(f"a decimal number is expected, not {value!r}") from exc
    return value


def _integer(pattern: str) -> Callable[[Any], Any]:
    """UnsignedInt64 (digits) or BigInt (signed digits): an integer travels as a string of digits."""

    def coerce(value: Any) -> str:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or not re.fullmatch(pattern, text):
            raise TypeError(f"a whole number as a string of digits is expected, not {value!r}")
        return text

    return coerce


def _iso(kind: type[date], parse: Callable[[str], date], what: str) -> Callable[[Any], str]:
    """DateTime or Date: an ISO 8601 string (a resolver's ``datetime``/``date`` is written as one)."""

    def coerce(value: Any) -> str:
        if isinstance(value, kind):
            return value.isoformat().replace("+00:00", "Z")
        try:
            parse(_text(value))
        except ValueError as exc:
            raise TypeError(f"an ISO 8601 {what} is expected, not {value!r}") from exc
        return _text(value)

    return coerce


def _any(value: Any) -> Any:
    return value


TEXT = ("URL", "HTML", "FormattedString", "Color", "ARN", "UtcOffset", "StorefrontID")
DATE_TIME = _iso(datetime, datetime.fromisoformat, "date and time")
DATE = _iso(date, date.fromisoformat, "date")
UNSIGNED = _integer(r"\d+")
SIGNED = _integer(r"-?\d+")
# name -> (serialize, parse_value); every custom scalar of the schema has a line (a test checks it).
SCALARS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "Money": (_decimal_out, _decimal_in),
    "Decimal": (_decimal_out, _decimal_in),
    "UnsignedInt64": (UNSIGNED, UNSIGNED),
    "BigInt": (SIGNED, SIGNED),
    "DateTime": (DATE_TIME, DATE_TIME),
    "Date": (DATE, DATE),
    "JSON": (_any, _any),
    **dict.fromkeys(TEXT, (_text, _text)),
}

Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType


def field_definition(parent: Composite, name: str) -> GraphQLField | None:
    """``parent``'s field ``name``; for an interface, also the fields its types add (``... on X``)."""
    if isinstance(parent, GraphQLUnionType):
        return None  # a union has no fields of its own but __typename
    if name in parent.fields:
        return parent.fields[name]
    if isinstance(parent, GraphQLInterfaceType):
        for possible in admin_schema().get_possible_types(parent):
            if name in possible.fields:
                return possible.fields[name]
    return None


def is_connection(named_type: Any) -> TypeGuard[GraphQLObjectType]:
    """A Relay connection: Shopify's ``...Connection`` types (a few have ``edges`` but no ``nodes``)."""
    return (
        isinstance(named_type, GraphQLObjectType)
        and named_type.name.endswith("Connection")
        and "edges" in named_type.fields
    )


def connection_node_type(connection: GraphQLObjectType) -> Composite:
    edge = get_named_type(connection.fields["edges"].type)
    assert isinstance(edge, GraphQLObjectType)
    node = get_named_type(edge.fields["node"].type)
    assert isinstance(node, Composite)
    return node


Selected = tuple[FieldNode, Composite]  # a field and the type it is selected on


class QueryCost:
    """Requested cost (from first/last) and actual cost (from what came back) of one operation."""

    def __init__(
        self,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.operation = operation
        self.fragments = fragments
        self.variables = variables
        self.schema = admin_schema()

    def requested(self) -> int:
        return self._root(data=None)

    def actual(self, data: dict[str, Any] | None) -> int:
        return self._root(data=data or {})

    def _root(self, data: dict[str, Any] | None) -> int:
        if self.operation.operation == OperationType.MUTATION:
            mutation_type = self.schema.mutation_type
            assert mutation_type is not None
            return MUTATION_COST * len(self._fields(self.operation.selection_set, mutation_type))
        query_type = self.schema.query_type
        assert query_type is not None
        return self._selection(self.operation.selection_set, query_type, data)

    def _fields(self, selection_set: SelectionSetNode, parent: Composite) -> list[Selected]:
        """The fields of a selection, fragments flattened, each with the type it is selected on
        (a fragment's type condition: ``node { ... on BulkOperation { url } }``)."""
        found: list[Selected] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found.append((selection, parent))
                continue
            fragment: InlineFragmentNode | FragmentDefinitionNode | None
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)  # none: a tolerated invalid document
            else:
                assert isinstance(selection, InlineFragmentNode)
                fragment = selection
            if fragment is None:
                continue
            condition = fragment.type_condition
            named = self.schema.get_type(condition.name.value) if condition else None
            on = named if isinstance(named, Composite) else parent
            found.extend(self._fields(fragment.selection_set, on))
        return found

    def _selection(self, selection_set: SelectionSetNode, parent: Composite, data: Any) -> int:
        total = 0
        for node, selected_on in self._fields(selection_set, parent):
            name = node.name.value
            definition = None if name.startswith("__") else field_definition(selected_on, name)
            if definition is None:
                continue
            field_type = get_named_type(definition.type)
            if is_leaf_type(field_type) or not isinstance(field_type, Composite):
                continue
            key = node.alias.value if node.alias else name
            value = data.get(key) if isinstance(data, dict) else None
            if data is not None and value is None:
                continue  # nothing came back: nothing was spent
            if is_connection(field_type):
                total += self._connection(node, field_type, value if data is not None else None)
            elif node.selection_set is not None:
                items = value if isinstance(value, list) else [value]
                total += sum(1 + self._selection(node.selection_set, field_type, item) for item in items)
        return total

    def _connection(self, node: FieldNode, connection: GraphQLObjectType, data: dict[str, Any] | None) -> int:
        """2 + one item's cost x (first|last) when requested, x the items returned when actual."""
        assert node.selection_set is not None
        size = self._argument(node, "first") or self._argument(node, "last") or 0
        total = 2
        for child, _ in self._fields(node.selection_set, connection):
            name = child.name.value
            if name == "pageInfo":
                total += 1
            elif name in ("nodes", "edges") and child.selection_set is not None:
                item_type = get_named_type(connection.fields[name].type)
                assert isinstance(item_type, Composite)
                key = child.alias.value if child.alias else name
                own = 0 if name == "edges" else 1  # an edge costs what its node costs
                if data is None:
                    total += size * (own + self._selection(child.selection_set, item_type, None))
                else:
                    items = data.get(key) or []
                    total += sum(own + self._selection(child.selection_set, item_type, i) for i in items)
        return total

    def _argument(self, node: FieldNode, name: str) -> int | None:
        for argument in node.arguments:
            if argument.name.value == name:
                value = value_from_ast_untyped(argument.value, self.variables)
                return int(value) if isinstance(value, int) else None
        return None
