"""Local servers that play TikTok Shop and the Shopify Admin API for `make run` and the tests."""
