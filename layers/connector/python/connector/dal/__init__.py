"""Data access: the only package that knows DynamoDB exists."""
