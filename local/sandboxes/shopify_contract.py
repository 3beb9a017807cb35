"""The contract between what the connector sends and Shopify's real Admin schema, as the Shopify
sandbox checks it (``ShopifySandbox.contract``).

Every request's document is validated against the real schema (``shopify_schema.admin_schema``)
and its variables are coerced to the types its operation declares; so is the inner query of a
``bulkOperationRunQuery``. Each error is a violation, recorded under the operation's name (else its
first field) and the rule that found it:

- ``validation``: the document (a field, argument, type or literal Shopify does not have);
- ``variables``: the variables (an input field the input type lacks, a value of the wrong type, a
  required value missing);
- ``bulk query``: the inner query of ``bulkOperationRunQuery`` fails validation.

Such a request is answered as Shopify answers it, and nothing runs: HTTP 200 with
``{"errors": [...]}`` (for a bulk query, ``userErrors`` with code INVALID).

``tolerate`` takes known gaps of the connector's code (``Gap``: an operation, a message pattern, a
reason). A violation a gap covers is recorded in ``tolerated`` instead, and the request runs as far
as it can: a document that failed validation is executed anyway (graphql-core leaves out the
fields and arguments the schema does not have; the resolvers run for the rest), and variables are
first cut down to what their declared types have. What cannot run that way still fails, with the
execution's errors: variables or fragments of a type the schema lacks, a required value missing.
Syntax errors are not violations of the contract (no schema is involved) and are never tolerated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
    coerce_input_value,
    is_input_type,
    type_from_ast,
)

from local.sandboxes.contract import ContractRecord, Violation


class Contract(ContractRecord):
    """What the sandbox saw against Shopify's real schema, and the gaps it tolerates (none unless told)."""

    def check(self, operation: str, rule: str, errors: Sequence[GraphQLError]) -> bool:
        """Records ``errors``; True when a tolerated gap covers every one (the request goes on)."""
        return not self.record(Violation(operation, "", rule, error.message) for error in errors)


def operation_label(operation: OperationDefinitionNode | None, fallback: str | None = None) -> str:
    """The operation's name, else the name of its first field (``orderCreate``)."""
    if operation is None:
        return fallback or "(no operation)"
    if operation.name is not None:
        return operation.name.value
    first = next((s for s in operation.selection_set.selections if isinstance(s, FieldNode)), None)
    return first.name.value if first is not None else "(anonymous)"


def fit_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> dict[str, Any]:
    """``variables`` cut down to what their declared types have, for a tolerated gap's lenient run:
    input fields a type lacks and values of the wrong type are left out."""
    fitted: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        declared = type_from_ast(schema, definition.type)
        if name in variables and is_input_type(declared):
            value = _fit(variables[name], cast(GraphQLInputType, declared))
            if value is not Undefined:
                fitted[name] = value
    return fitted


def _fit(value: Any, type_: GraphQLInputType) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _fit(value, type_.of_type)  # a required value left out still fails, as it must
    if value is None:
        return None
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return [fitted for item in items if (fitted := _fit(item, type_.of_type)) is not Undefined]
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return Undefined
        fields = type_.fields
        kept = {key: _fit(item, fields[key].type) for key, item in value.items() if key in fields}
        return {key: item for key, item in kept.items() if item is not Undefined}
    problems: list[Any] = []
    coerce_input_value(value, type_, lambda *problem: problems.append(problem))
    return Undefined if problems else value
