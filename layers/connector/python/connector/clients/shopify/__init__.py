"""Shopify Admin API client: token exchange and the GraphQL Admin API (2025-10).

``errors``, ``models``, ``ids``, ``documents``, ``parsing`` and ``bulk`` are plain Python (no HTTP
library); ``transport`` sends GraphQL calls on one ``requests.Session`` within each shop's cost
budget; ``admin.ShopifyAdminClient`` is the app's client (token exchange, ``for_shop``) and
``shop.ShopifyShopClient`` the calls for one shop. Import each name from the module that defines it:
this package imports nothing on its own.
"""
