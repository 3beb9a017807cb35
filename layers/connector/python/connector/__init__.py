"""Shared code of the TikTok Shop connector, shipped to Lambda as a layer."""
