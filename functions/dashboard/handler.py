"""Dashboard API: what the merchant's dashboard shows and the actions it offers, one shop per caller.

Thin: parse and validate (Powertools resolver with OpenAPI validation), call connector.merchant,
answer. Every /v1 route runs behind the session-token middleware, which names the caller's shop.
"""

from __future__ import annotations

import functools
import json
from datetime import date
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    CORSConfig,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

# Imported here: what every request and GET /v1/dashboard (a page load's first call) use. Any other
# route imports the merchant module it calls in its body, and the shapes its signature names come
# from connector.api.schemas when Powertools first reads it: a cold start loads its own route's code.
# GET /v1/dashboard, the page's first and most frequent call, lists the shop's activities.
import connector.dal.activity_progress  # noqa: F401
from connector import session_tokens
from connector.api import schemas
from connector.api.errors import register_error_handlers
from connector.domain.entities import Activity, Shop
from connector.domain.sales_periods import SalesDays
from connector.domain.status import OrderStatus, ProductStatus
from connector.merchant import views
from connector.merchant.provisioning import ensure_shop
from connector.secrets import Secret
from connector.settings import Settings
from connector.wiring import Ports, entry_point

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# The routes live on a Powertools Router; the resolver that serves them is built on the first
# request, once the settings name the page's origin (the shared layer reads no settings at import).
# Built with CORSConfig, the resolver adds the CORS headers to every answer it gives: routes, the
# error handlers' answers, the middleware's 401, its 404 (Powertools' REST API event handler docs,
# "CORS" and "Split routes with Router":
# https://docs.powertools.aws.dev/lambda/python/latest/core/event_handler/api_gateway/#cors).
router = Router()

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page")]
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page")]


def authenticate(resolver: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """/v1 routes: the Shopify session token names the shop (and nothing else may)."""
    event = resolver.current_event
    if not event.path.startswith("/v1/"):
        return next_middleware(resolver)
    ports = _ports()
    token = session_tokens.bearer_token(event.headers.get("Authorization"))
    caller = session_tokens.verify(
        token,
        client_id=ports.settings.shopify_api_key,
        client_secret=ports.secret(Secret.SHOPIFY_API_SECRET),
    )
    shop = ensure_shop(ports, caller.shop, token)
    resolver.append_context(shop=shop, caller=caller)
    response = next_middleware(resolver)
    # Embeddable in Shopify Admin and in this shop's own admin, nowhere else.
    response.headers["Content-Security-Policy"] = (
        f"frame-ancestors https://{shop.domain} https://admin.shopify.com"
    )
    return response


router.use(middlewares=[authenticate])


def page_origin(settings: Settings) -> str:
    """Where the dashboard page is served from: CloudFront on AWS (DASHBOARD_ORIGIN), this API's
    own origin locally, where the page and the API share it."""
    url = urlsplit(settings.dashboard_url)
    return f"{url.scheme}://{url.netloc}"


@functools.cache
def cors_for(origin: str) -> CORSConfig:
    # The page's calls send a session token and JSON; API Gateway answers their preflights with
    # the same origin and headers (infra/components/api.py).
    # Retry-After exposed: the page waits what a 503 (a partner not answering) asks before retrying.
    return CORSConfig(
        allow_origin=origin,
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Retry-After"],
        max_age=3600,
    )


@functools.lru_cache(maxsize=1)  # one origin per deployment (tests switch it, then it is built again)
def resolver_for(origin: str) -> APIGatewayRestResolver:
    resolver = APIGatewayRestResolver(enable_validation=True, cors=cors_for(origin))
    register_error_handlers(resolver)
    resolver.include_router(router)
    return resolver


def _ports() -> Ports:
    ports: Ports = router.context["ports"]
    return ports


def _shop() -> Shop:
    shop: Shop = router.context["shop"]
    return shop


def _caller() -> session_tokens.Caller:
    caller: session_tokens.Caller = router.context["caller"]
    return caller


def _secret_key() -> bytes:
    return _ports().secret(Secret.STATE_SIGNING_KEY).encode()


# How the action routes answer: 202 with the activity that carries the work out.
ACCEPTED: dict[int, Any] = {
    202: {
        "description": "Accepted: the activity that carries the work out",
        "content": {"application/json": {"model": schemas.ActivityAccepted}},
    }
}


# An import or upload: one of each runs per shop at a time.
ONE_AT_A_TIME: dict[int, Any] = {
    **ACCEPTED,
    409: {
        "description": "One of this kind is running already: the answer names it, with its progress",
        "content": {"application/json": {"model": schemas.ActivityRunningAnswer}},
    },
}


def _accepted(activity: Activity) -> Response[str]:
    body = schemas.ActivityAccepted(activity=views.activity_view(activity)).model_dump_json()
    return Response(
        status_code=HTTPStatus.ACCEPTED.value, content_type=content_types.APPLICATION_JSON, body=body
    )


@router.get(
    "/health",
    responses={
        200: {"description": "DynamoDB answers", "content": {"application/json": {"model": schemas.Health}}},
        503: {"description": "DynamoDB does not", "content": {"application/json": {"model": schemas.Health}}},
    },
    security=[],
)
def get_health() -> Response[str]:
    from connector import health

    healthy, body = health.check(_ports().store)
    status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
    return Response(
        status_code=status.value, content_type=content_types.APPLICATION_JSON, body=json.dumps(body)
    )


@router.get("/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    # Powertools' OpenAPI document models (a large pydantic module), for this route only.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    document = resolver_for(page_origin(_ports().settings)).get_openapi_json_schema(
        title="TikTok Shop connector",
        version="1.0.0",
        security_schemes={"sessionToken": HTTPBearer(bearerFormat="Shopify session token (JWT)")},
        security=[{"sessionToken": []}],
    )
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=document)


@router.get("/v1/dashboard")
def get_dashboard() -> schemas.DashboardOut:
    ports = _ports()
    return views.dashboard(ports.store, _shop(), ports.now())


@router.get("/v1/sales")
def get_sales(
    days: Annotated[SalesDays, Query(description="The period: the last 7, 30 or 90 days")] = SalesDays.MONTH,
) -> schemas.SalesOut:
    """Daily sales figures of the period beside the period before, its rates and top products."""
    from connector.merchant.sales import sales_view

    ports = _ports()
    return sales_view(ports, _shop(), int(days), ports.now())


@router.get("/v1/products")
def list_products(
    status: Annotated[ProductStatus | None, Query()] = None, limit: Limit = 25, cursor: Cursor = None
) -> schemas.ProductPage:
    from connector.merchant import pages

    return pages.products(_ports().store, _shop().domain, status, limit, cursor, _secret_key())


@router.get("/v1/orders")
def list_orders(
    status: Annotated[OrderStatus | None, Query()] = None, limit: Limit = 25, cursor: Cursor = None
) -> schemas.OrderPage:
    from connector.merchant import pages

    return pages.orders(_ports().store, _shop().domain, status, limit, cursor, _secret_key())


@router.get("/v1/activities")
def list_activities(
    state: Annotated[Literal["ongoing", "completed"], Query()] = "ongoing",
) -> list[schemas.ActivityOut]:
    listed = _ports().store.activities.list_activities(
        _shop().domain, finished=state == "completed", limit=50
    )
    return [views.activity_view(a) for a in listed]


@router.post("/v1/imports", responses=ONE_AT_A_TIME)
def post_import() -> Response[str]:
    from connector.merchant import actions

    return _accepted(actions.start_import(_ports(), _shop()))


@router.post("/v1/products/upload", responses=ONE_AT_A_TIME)
def post_upload(request: Annotated[schemas.UploadRequest, Body()]) -> Response[str]:
    from connector.merchant import actions

    return _accepted(actions.start_upload(_ports(), _shop(), request))


@router.post("/v1/products/<product_id>/activate", responses=ACCEPTED)
def post_activate(product_id: Annotated[str, Path(max_length=40)]) -> Response[str]:
    from connector.merchant import actions

    return _accepted(actions.set_product_active(_ports(), _shop(), product_id, active=True))


@router.post("/v1/products/<product_id>/deactivate", responses=ACCEPTED)
def post_deactivate(product_id: Annotated[str, Path(max_length=40)]) -> Response[str]:
    from connector.merchant import actions

    return _accepted(actions.set_product_active(_ports(), _shop(), product_id, active=False))


@router.get("/v1/products/<product_id>/listing")
def get_listing(product_id: Annotated[str, Path(max_length=40)]) -> schemas.ListingOut:
    from connector.merchant import listing

    return listing.listing_form(_ports(), _shop(), product_id)


@router.put("/v1/products/<product_id>/listing")
def put_listing(
    product_id: Annotated[str, Path(max_length=40)], request: Annotated[schemas.ListingIn, Body()]
) -> schemas.ListingOut:
    from connector.merchant import listing

    return listing.choose(_ports(), _shop(), product_id, request)


@router.post("/v1/orders/<order_id>/cancel", responses=ACCEPTED)
def post_cancel(
    order_id: Annotated[str, Path(max_length=40)], request: Annotated[schemas.CancelRequest, Body()]
) -> Response[str]:
    from connector.merchant import actions

    return _accepted(actions.cancel_order(_ports(), _shop(), order_id, request.reason))


@router.get("/v1/orders/history")
def get_order_history(since: Annotated[date, Query()]) -> schemas.OrderHistoryOut:
    """How many TikTok orders an earlier start of the order sync would bring into Shopify."""
    from connector.merchant import actions

    return actions.order_history(_ports(), _shop(), since)


@router.post("/v1/orders/<order_id>/retry", responses=ACCEPTED)
def post_retry(order_id: Annotated[str, Path(max_length=40)]) -> Response[str]:
    """Try again an order Shopify refused, once the merchant fixed what Shopify named."""
    from connector.merchant import actions

    return _accepted(actions.retry_order(_ports(), _shop(), order_id))


@router.get("/v1/settings")
def get_sync_settings() -> schemas.SettingsOut:
    from connector.merchant import actions

    return actions.settings_view(_ports(), _shop())


@router.put("/v1/settings")
def put_sync_settings(request: Annotated[schemas.SettingsIO, Body()]) -> schemas.SettingsOut:
    from connector.merchant import actions

    return actions.update_settings(_ports(), _shop(), request)


@router.get("/v1/onboarding")
def get_onboarding() -> schemas.OnboardingOut:
    shop = _shop()
    return views.onboarding(shop, _ports().store.status_counts(shop.domain))


@router.post("/v1/connections/tiktok")
def post_tiktok_connection(
    request: Annotated[schemas.TikTokAuthorizationRequest, Body()],
) -> schemas.TikTokAuthorization:
    """Where to send the merchant to authorize the app on TikTok Shop (their region's page)."""
    from connector.merchant import tiktok_connection

    return tiktok_connection.authorization(_ports(), _caller(), us_seller=request.seller_region == "US")


@router.post("/v1/connections/tiktok/complete")
def post_tiktok_completion(
    request: Annotated[schemas.TikTokCompletion, Body()],
) -> schemas.TikTokConnectionOut:
    """The page, back from TikTok with its state: the link is made in this session, for this shop."""
    from connector.merchant import tiktok_connection

    return tiktok_connection.complete(_ports(), _shop(), _caller(), request.state)


@router.post("/v1/connections/tiktok/shop")
def post_tiktok_shop_choice(
    request: Annotated[schemas.TikTokShopChoiceIn, Body()],
) -> schemas.TikTokConnectionOut:
    """The shop the merchant chose among those TikTok authorized."""
    from connector.merchant import tiktok_connection

    return tiktok_connection.choose(_ports(), _shop(), request.tiktok_shop_id)


@router.delete("/v1/connections/tiktok")
def delete_tiktok_connection() -> schemas.TikTokConnectionOut:
    from connector.merchant import tiktok_connection

    return tiktok_connection.disconnect(_ports(), _shop())


@router.get(
    "/auth/tiktok/callback",
    security=[],
    responses={302: {"description": "On to the embedded app, which finishes the link in its session"}},
)
def get_tiktok_callback(
    state: Annotated[str, Query(min_length=1, max_length=1024)],
    code: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=100)] = None,
) -> Response[str]:
    """TikTok's redirect after the seller's decision: no session here, so nothing is linked; the
    code is kept beside the state and the browser goes on to the merchant's embedded app."""
    from connector.merchant import tiktok_connection

    target = tiktok_connection.redirect_target(_ports(), code=code, state=state, error=error)
    return Response(status_code=HTTPStatus.FOUND.value, headers={"Location": target}, body="")


@router.get("/v1/plan")
def get_plan() -> schemas.PlanOut:
    return views.plan(_ports().store, _shop().domain)


@router.post("/v1/plan/upgrade")
def post_upgrade(request: Annotated[schemas.UpgradeRequest, Body()]) -> schemas.UpgradeOut:
    from connector.merchant import actions

    return actions.upgrade(_ports(), _shop(), request.plan)


def _headers(event: dict[str, Any]) -> dict[str, str]:
    return {k.lower(): v for k, v in (event.get("headers") or {}).items()}


def _not_json(event: dict[str, Any]) -> bool:
    """A body that is not JSON: Powertools' validation would try to parse it as a form."""
    headers = _headers(event)
    content_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    return bool(event.get("body")) and content_type not in ("application/json", "")


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    origin = page_origin(ports.settings)
    if _not_json(event):
        body = json.dumps({"error": {"code": "unsupported_media_type", "message": "send application/json"}})
        # Answered before the resolver: the same CORS headers it would add, for the page to read it.
        cors = cors_for(origin).to_dict(_headers(event).get("origin"))
        return {
            "statusCode": 415,
            "headers": {"Content-Type": "application/json", **cors},
            "body": body,
            "isBase64Encoded": False,
        }
    app = resolver_for(origin)
    app.append_context(ports=ports)
    return app.resolve(event, context)


lambda_handler = entry_point(lambda_handler_with, emits_metrics=False)
