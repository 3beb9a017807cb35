"""Local stand-ins for AWS and the partner APIs: never shipped to Lambda."""
