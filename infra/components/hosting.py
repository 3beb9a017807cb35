"""Hosting: the merchant's dashboard page (web/) on a private S3 bucket behind CloudFront.

CloudFront reads the bucket through origin access control; nothing else can. The page learns the
API's address from /config.json, written next to it at deploy time, and calls the API cross-origin
(the API allows exactly this distribution's origin).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import DefaultStackSynthesizer, Duration, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.components.nag import acknowledge

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
CONFIG_FILE = "config.json"
BOOTSTRAP_QUALIFIER_CONTEXT = "@aws-cdk/core:bootstrapQualifier"
LOG_EXPIRY = Duration.days(90)
# The page runs embedded in Shopify Admin, so it may be framed there and nowhere else.
FRAME_ANCESTORS = "frame-ancestors https://admin.shopify.com https://*.myshopify.com"


class HostingConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str, web_dir: Path = WEB_DIR) -> None:
        super().__init__(scope, construct_id)
        self._web_dir = web_dir
        self.logs = self._log_bucket()
        self.bucket = self._private_bucket(
            "Site",
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="s3/",
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="TikTok Shop connector dashboard",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self._headers_policy(),
            ),
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
        )
        self._acknowledge_findings()

    @property
    def origin(self) -> str:
        """The page's origin, as browsers send it in the Origin header."""
        return f"https://{self.distribution.distribution_domain_name}"

    def publish(self, api_url: str, shopify_api_key: str) -> s3deploy.BucketDeployment:
        """Upload web/ (when it holds anything) and config.json naming the API and the app's Shopify
        API key (public: App Bridge needs it to embed the page in Shopify Admin), then invalidate."""
        config = {"apiUrl": api_url, "shopifyApiKey": shopify_api_key}
        sources = [s3deploy.Source.json_data(CONFIG_FILE, config)]
        if self._web_dir.is_dir() and any(p.is_file() for p in self._web_dir.rglob("*")):
            sources.insert(0, s3deploy.Source.asset(str(self._web_dir), exclude=[".*", "**/node_modules"]))
        deployment = s3deploy.BucketDeployment(
            self,
            "Publish",
            sources=sources,
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            log_group=logs.LogGroup(self, "PublishLogs", retention=logs.RetentionDays.ONE_MONTH),
        )
        self._acknowledge_deployment_handler()
        return deployment

    def _private_bucket(self, construct_id: str, **settings: Any) -> s3.Bucket:
        """A bucket nobody reaches but through its grants: no public access, encrypted, TLS only."""
        return s3.Bucket(
            self,
            construct_id,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            **settings,
        )

    def _log_bucket(self) -> s3.Bucket:
        bucket = self._private_bucket(
            "AccessLogs",
            # CloudFront's standard logs are written with an ACL, which needs ACLs enabled here.
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[s3.LifecycleRule(expiration=LOG_EXPIRY)],
        )
        acknowledge(bucket, "S1", "This bucket receives the access logs; logging it into itself would loop.")
        return bucket

    def _headers_policy(self) -> cloudfront.ResponseHeadersPolicy:
        # Not the managed SECURITY_HEADERS policy: its X-Frame-Options SAMEORIGIN would stop Shopify
        # Admin from embedding the page.
        return cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            comment="Dashboard page: HSTS, nosniff, framed only by Shopify Admin",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=FRAME_ANCESTORS, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, override=True
                ),
            ),
        )

    def _acknowledge_findings(self) -> None:
        acknowledge(
            self.distribution,
            "CFR1",
            "Merchants of any country use the app; there is no country to restrict.",
        )
        acknowledge(
            self.distribution,
            "CFR2",
            "Static page with no server-side logic behind it: nothing for a web ACL to protect; the API "
            "it calls authenticates every request.",
        )
        acknowledge(
            self.distribution,
            "CFR4",
            "The distribution uses CloudFront's default *.cloudfront.net certificate, whose security "
            "policy CloudFront fixes; a custom domain with an ACM certificate would allow TLSv1.2_2021.",
        )

    def _acknowledge_deployment_handler(self) -> None:
        # BucketDeployment's Lambda is a CDK-provided singleton at the stack's root; its policy is
        # the CDK's: read the staged asset, write this site bucket, invalidate the distribution.
        stack = Stack.of(self)
        qualifier = (
            self.node.try_get_context(BOOTSTRAP_QUALIFIER_CONTEXT)
            or DefaultStackSynthesizer.DEFAULT_QUALIFIER
        )
        site = self.bucket.node.default_child
        assert isinstance(site, s3.CfnBucket)
        site_arn = f"<{stack.resolve(site.logical_id)}.Arn>"
        wildcard_findings = {
            "Action::s3:GetObject*": "reads the staged web/ asset",
            "Action::s3:GetBucket*": "reads the staged asset and the site bucket",
            "Action::s3:List*": "lists the site bucket to prune files no longer in web/",
            "Action::s3:DeleteObject*": "prunes files no longer in web/ from the site bucket",
            "Action::s3:Abort*": "aborts its own failed multipart uploads to the site bucket",
            f"Resource::arn:<AWS::Partition>:s3:::cdk-{qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*": (
                "reads the staged asset from the CDK bootstrap bucket"
            ),
            f"Resource::{site_arn}/*": "writes the page's objects, and only into the site bucket",
            "Resource::*": "creates the CloudFront invalidation, which the CDK grants on '*'",
        }
        for child in stack.node.children:
            if not child.node.id.startswith("Custom::CDKBucketDeployment"):
                continue
            for finding, what in wildcard_findings.items():
                acknowledge(child, f"IAM5[{finding}]", f"CDK's BucketDeployment handler {what}.")
            acknowledge(
                child,
                "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "CDK's BucketDeployment handler: its role and logging are built by the CDK.",
            )
            acknowledge(
                child,
                "L1",
                "CDK's BucketDeployment handler: the CDK pins its runtime; it runs only at deploy time.",
            )
