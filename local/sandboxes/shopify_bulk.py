"""Bulk query operations of the sandbox's GraphQL Admin API: which query texts
``bulkOperationRunQuery`` accepts, and the JSONL file a finished operation leaves behind.

Rules followed (shopify.dev/docs/api/usage/bulk-operations/queries and the 2025-10 reference,
shopify.dev/docs/api/admin-graphql/2025-10/mutations/bulkOperationRunQuery and
shopify.dev/docs/api/admin-graphql/2025-10/objects/BulkOperation):

- the text is one query operation (no mutation) that passes the Admin schema's validation;
- its single top-level field is a connection (top-level ``node``/``nodes`` are refused), it has at
  most five connections in all, nested at most two deep (``products`` -> ``variants`` is two);
- first/last/after/before are ignored: every node of every connection is exported;
- the file holds one compact JSON object per line for each node of each connection. A nested
  connection is taken out of its parent's line; each of its nodes becomes a line of its own with
  ``__parentId`` set to the parent node's ``id`` (so a parent of a nested connection must select
  ``id``). Nested objects that are not connections (``inventoryItem { id }``) stay inline;
- with ``groupObjects: true`` a parent's children follow right after its line (its first
  connection's nodes, then the next connection's); with ``false`` Shopify promises no order, and
  the sandbox writes every top-level line first so that no client comes to rely on a grouping it
  did not ask for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)

from local.sandboxes.shopify_schema import (
    Composite,
    admin_schema,
    checked,
    connection_node_type,
    field_definition,
    is_connection,
)

MAX_CONNECTIONS = 5
MAX_CONNECTION_DEPTH = 2


class BulkQueryError(ValueError):
    """The query text is not one Shopify runs in bulk (answered as userErrors code INVALID)."""


@dataclass(frozen=True)
class BulkConnection:
    """A connection field of a bulk query and where its nodes are found in the executed result."""

    path: tuple[str, ...]  # response keys from the enclosing node (or the root) to the connection
    views: tuple[tuple[str, str | None], ...]  # ("nodes", None) or ("edges", "node"), by response key
    children: tuple[BulkConnection, ...]  # connections inside each of its nodes
    selects_id: bool  # the node selects ``id`` unaliased (needed as its children's __parentId)

    @property
    def depth(self) -> int:
        return 1 + max((child.depth for child in self.children), default=0)

    @property
    def count(self) -> int:
        return 1 + sum(child.count for child in self.children)

    def walk(self) -> Iterator[BulkConnection]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class BulkQuery:
    document: DocumentNode
    root: BulkConnection


# Told a query's errors against the schema, answers whether to go on regardless (a tolerated gap).
Accept = Callable[[Sequence[GraphQLError]], bool]


def parse_bulk_query(text: str, accept: Accept) -> BulkQuery:
    """The validated bulk query; raises BulkQueryError with a message for the caller otherwise.
    Errors against the schema are handed to ``accept`` first: when it accepts them, the query is
    planned from what the schema knows (fields it does not have are left out of the file)."""
    try:
        document, problems = checked(text)
    except GraphQLError as error:
        raise BulkQueryError(f"Invalid bulk query: {error.message}") from error
    if problems and not accept(problems):
        raise BulkQueryError(f"Invalid bulk query: {problems[0].message}")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise BulkQueryError("Invalid bulk query: it must contain exactly one operation.")
    operation = operations[0]
    if operation.operation != OperationType.QUERY:
        raise BulkQueryError("Invalid bulk query: bulkOperationRunQuery does not run mutations.")
    if operation.variable_definitions:
        raise BulkQueryError("Invalid bulk query: variables are not supported.")
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    planner = _Planner(fragments)
    query_type = admin_schema().query_type
    assert query_type is not None
    connections = planner.connections([operation.selection_set], query_type, ())
    top = planner.fields([operation.selection_set])
    if not connections:
        raise BulkQueryError("Bulk queries must contain at least one connection.")
    if len(top) != 1 or connections[0].path != (next(iter(top)),):
        raise BulkQueryError("Bulk queries must have a single top-level field, and it must be a connection.")
    root = connections[0]
    if root.count > MAX_CONNECTIONS:
        raise BulkQueryError(f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections.")
    if root.depth > MAX_CONNECTION_DEPTH:
        raise BulkQueryError(
            "Bulk queries cannot contain connections with a nesting depth greater than "
            f"{MAX_CONNECTION_DEPTH}."
        )
    for connection in root.walk():
        if connection.children and not connection.selects_id:
            raise BulkQueryError(
                "The parent 'node' of a nested connection must select the 'id' field without an alias "
                f"(the nodes of '{connection.path[-1]}' do not)."
            )
    return BulkQuery(document, root)


class _Planner:
    """Finds the connections of a selection, merging fields that share a response key as GraphQL does."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments

    def fields(self, selection_sets: Sequence[SelectionSetNode]) -> dict[str, list[FieldNode]]:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            for node in self._flatten(selection_set):
                grouped.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
        return grouped

    def _flatten(self, selection_set: SelectionSetNode) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._flatten(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                yield from self._flatten(self.fragments[selection.name.value].selection_set)

    def connections(
        self, selection_sets: Sequence[SelectionSetNode], parent: Composite, path: tuple[str, ...]
    ) -> list[BulkConnection]:
        """The outermost connections under ``selection_sets`` (inside nested objects too)."""
        found: list[BulkConnection] = []
        for key, nodes in self.fields(selection_sets).items():
            definition = field_definition(parent, nodes[0].name.value)
            if definition is None:  # __typename (or, in a tolerated query, a field the schema lacks)
                continue
            field_type = get_named_type(definition.type)
            inner = [node.selection_set for node in nodes if node.selection_set is not None]
            if is_connection(field_type):
                found.append(self._connection(inner, field_type, (*path, key)))
            elif isinstance(field_type, Composite):
                found.extend(self.connections(inner, field_type, (*path, key)))
        return found

    def _connection(
        self, selection_sets: Sequence[SelectionSetNode], connection: GraphQLObjectType, path: tuple[str, ...]
    ) -> BulkConnection:
        views: list[tuple[str, str | None]] = []
        node_sets: list[SelectionSetNode] = []
        for key, nodes in self.fields(selection_sets).items():
            inner = [node.selection_set for node in nodes if node.selection_set is not None]
            if nodes[0].name.value == "nodes":
                views.append((key, None))
                node_sets.extend(inner)
            elif nodes[0].name.value == "edges":
                for node_key, edge_fields in self.fields(inner).items():
                    if edge_fields[0].name.value == "node":
                        views.append((key, node_key))
                        node_sets.extend(f.selection_set for f in edge_fields if f.selection_set is not None)
            # pageInfo (and __typename) describe the page, not a node: not part of the output
        node_type = connection_node_type(connection)
        ids = self.fields(node_sets).get("id", [])
        return BulkConnection(
            path=path,
            views=tuple(views),
            children=tuple(self.connections(node_sets, node_type, ())),
            selects_id=any(node.name.value == "id" for node in ids),
        )


@dataclass(frozen=True)
class BulkFile:
    content: bytes
    object_count: int  # every line
    root_object_count: int  # lines of the top-level connection


def write_jsonl(query: BulkQuery, data: dict[str, Any], group_objects: bool) -> BulkFile:
    """The JSONL file for the executed ``query`` (its result ``data``)."""
    lines: list[dict[str, Any]] = []
    roots = _nodes(query.root, data)
    if group_objects:

        def grouped(connection: BulkConnection, nodes: list[dict[str, Any]], parent_id: str | None) -> None:
            for node in nodes:
                lines.append(_line(connection, node, parent_id))
                for child in connection.children:
                    grouped(child, _nodes(child, node), node.get("id"))

        grouped(query.root, roots, None)
    else:
        # Level by level, and within a level connection by connection: all products, then all
        # variants, then all images. A child is never placed right under its parent on purpose.
        level: list[tuple[BulkConnection, list[tuple[dict[str, Any], str | None]]]]
        level = [(query.root, [(node, None) for node in roots])]
        while level:
            following = []
            for connection, nodes in level:
                lines.extend(_line(connection, node, parent_id) for node, parent_id in nodes)
                for child in connection.children:
                    found = [(kid, node.get("id")) for node, _ in nodes for kid in _nodes(child, node)]
                    following.append((child, found))
            level = following
    content = b"".join(
        json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for line in lines
    )
    return BulkFile(content, object_count=len(lines), root_object_count=len(roots))


def _nodes(connection: BulkConnection, container: dict[str, Any]) -> list[dict[str, Any]]:
    """The connection's nodes under ``container``; ``nodes`` and ``edges.node`` selections of the
    same connection list the same nodes in the same order, so they are merged item by item."""
    value: Any = container
    for key in connection.path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, dict):
        return []
    views = []
    for list_key, node_key in connection.views:
        items = value.get(list_key) or []
        views.append(items if node_key is None else [edge.get(node_key) or {} for edge in items])
    return [reduce(_merge, parts, {}) for parts in zip(*views, strict=True)]


def _merge(left: Any, right: Any) -> Any:
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, value in right.items():
            merged[key] = _merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [_merge(a, b) for a, b in zip(left, right, strict=True)]
    return right


def _line(connection: BulkConnection, node: dict[str, Any], parent_id: str | None) -> dict[str, Any]:
    line = node
    for child in connection.children:
        line = _without(line, child.path)
    if parent_id is not None:
        line = {**line, "__parentId": parent_id}
    return line


def _without(value: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``value`` without the field at ``path`` (copying only the dicts on the way)."""
    head, rest = path[0], path[1:]
    if head not in value:
        return value
    copy = dict(value)
    if not rest:
        del copy[head]
    elif isinstance(copy[head], dict):
        copy[head] = _without(copy[head], rest)
    return copy
