"""What the merchant's dashboard can see and do, independent of HTTP."""
