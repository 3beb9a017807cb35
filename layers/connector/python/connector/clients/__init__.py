"""Outbound HTTP clients of the partner APIs (TikTok Shop, Shopify Admin), built on requests."""
