"""Known gaps between the connector's GraphQL calls and Shopify's real Admin schema: what today's
connector code sends that Shopify would refuse, each with the reason the code does it. Not
tolerated by default; ``sandbox.contract.tolerate(KNOWN_GAPS)`` lets a sandbox run such calls
leniently until the connector is fixed (``tolerate(())`` makes it strict again).

None today. Against the 2025-10 schema, every document in ``connector/clients/shopify/documents.py``
validates, the bulk query inside ``BULK_RUN_QUERY`` too, and the variables the client builds
(products pages, variants pages, productsCount, bulk start and polling, orderCreate,
appSubscriptionCreate) coerce without error: test_shopify_client, test_shopify_bulk_sandbox,
test_activities, test_plans, test_dashboard_api and test_syncs pass against the strict schema with
no violation recorded by the connector's calls.

An entry names the operation as the sandbox records it (the operation's name, else its first field),
a regular expression searched in the violation's message, the reason, and optionally the rule:
``Gap("ConnectorOrderCreate", r"Field 'x' is not defined", reason="...", rule="variables")``.
"""

from __future__ import annotations

from local.sandboxes.shopify_contract import Gap

KNOWN_GAPS: tuple[Gap, ...] = ()
