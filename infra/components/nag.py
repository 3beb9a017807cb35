"""Acknowledging a cdk-nag finding on one construct (and what it owns), always with the reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge AwsSolutions ``rule`` (``"IAM5[Resource::*]"`` for one finding) on ``construct``."""
    Validations.of(construct).acknowledge(Acknowledgment(id=f"AwsSolutions-{rule}", reason=reason))
