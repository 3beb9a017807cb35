"""Data: the connector's single DynamoDB table, built from connector.table_spec."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from connector import table_spec
from infra.components.nag import acknowledge


class DataConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        string = dynamodb.AttributeType.STRING
        self.table = dynamodb.TableV2(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=table_spec.PARTITION_KEY, type=string),
            sort_key=dynamodb.Attribute(name=table_spec.SORT_KEY, type=string),
            billing=dynamodb.Billing.on_demand(),
            time_to_live_attribute=table_spec.TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,  # merchants' data outlives a stack deletion
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=dynamodb.Attribute(name=index.partition_key, type=string),
                    sort_key=dynamodb.Attribute(name=index.sort_key, type=string),
                    projection_type=dynamodb.ProjectionType(table_spec.INDEX_PROJECTION),
                )
                for index in table_spec.GLOBAL_INDEXES
            ],
        )

    def grant(self, role: iam.IRole, *actions: str, indexes: bool = False) -> None:
        """Exactly these actions on the table, and on its indexes only for code that lists by them."""
        arns = [self.table.table_arn]
        if indexes:
            arns.append(f"{self.table.table_arn}/index/*")
            table = self.table.node.default_child
            assert isinstance(table, dynamodb.CfnGlobalTable)
            acknowledge(
                role,
                f"IAM5[Resource::<{Stack.of(self).resolve(table.logical_id)}.Arn>/index/*]",
                "This table's own indexes (listings by status and by kind), no other table's.",
            )
        iam.Grant.add_to_principal(grantee=role, actions=list(actions), resource_arns=arns)
