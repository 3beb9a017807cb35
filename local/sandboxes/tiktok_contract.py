"""TikTok Shop's published API reference as the TikTok sandbox's judge of every call it receives.

The reference lives in ``local/contracts/tiktok/api/<area>/<endpoint>.spec.json`` (see the README
there): each endpoint's path template, method, query, header, path and body parameters (a flat list
where each leading ``^`` nests an entry under the one above) and its error codes. The specs are read
once per process. A call is matched to its endpoint (the version segment of the path is a wildcard when
no spec documents the version called: TikTok keeps older versions served), then its query, headers,
path and JSON or multipart body are checked against the endpoint's parameters.

A breach is a ``Violation``; ``Contract`` records every one and refuses the call with the code TikTok
answers (the endpoint's own error code when one fits, else the codes of guides/common-errors.md),
unless a ``Gap`` tolerates it: then it is recorded apart and the call goes on as before. The sandbox's
stateful checks (``tiktok_catalog``: uploaded images, warehouses, categories, currencies) report
through the same ``Contract``.
"""

from __future__ import annotations

import dataclasses
import email.policy
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

from local.sandboxes.contract import ContractRecord, Violation
from local.sandboxes.tiktok_codes import BAD_REQUEST, MISSING_CIPHER, UNKNOWN_PATH, ApiFailure

SPEC_DIR = Path(__file__).resolve().parents[1] / "contracts" / "tiktok" / "api"
METHODS = {1: "POST", 2: "GET", 3: "PUT", 4: "DELETE"}  # document_api_meta.method

# Codes from guides/common-errors.md.
INVALID_PATH = UNKNOWN_PATH
INVALID_METHOD = 36009010
BAD_PARAMETER = BAD_REQUEST  # missing credentials, unexpected identifier, invalid query or header
BODY_FORMAT = 36009022  # "must be application/json ... or multipart/form-data"
NOT_MULTIPART = 36009023  # "the content-type header must be multipart/form-data"

# Query parameters whose codes common-errors.md gives whatever the endpoint.
CREDENTIALS = frozenset({"app_key", "sign", "timestamp", "shop_cipher"})
VERSION = re.compile(r"\d{6}")
# Leaves whose own name says nothing; an error message names their parent instead (main_images[0].uri).
GENERIC_LEAVES = frozenset({"uri", "id", "value", "unit", "name", "amount", "currency", "code", "type"})
# What an error message of each rule says, besides the field's name.
RULE_WORDS = {
    "required": ("required", "empty"),
    "type": ("format", "invalid"),
    "range": ("limit", "range", "invalid"),
    "max_length": ("exceed", "limit", "length"),
}
GENERIC_PARAMETER = re.compile(r"invalid (input |request )?param", re.IGNORECASE)
VALID_RANGE = re.compile(r"Valid range:?\s*\[([^\]]*)\]")
MAX_LENGTH = re.compile(r"Max length:?\s*([\d,]+)")
ALLOWED_TYPE = re.compile(r"Allowed type:\s*([\w/+.-]+)")

JsonValue = Any


@dataclass(frozen=True)
class Param:
    """One request parameter, with the entries nested under it."""

    name: str
    type: str
    required: bool
    desc: str = ""
    children: tuple[Param, ...] = ()

    def int_range(self) -> tuple[int, int] | None:
        """The "Valid range" an int parameter's description states ("[1, 99,999]" or "[1-100]")."""
        found = VALID_RANGE.search(self.desc) if self.type == "int" else None
        if found is None:
            return None
        inside = found.group(1)
        low, _, high = inside.partition(", ") if ", " in inside else inside.partition("-")
        try:
            return int(low.replace(",", "")), int(high.replace(",", ""))
        except ValueError:
            return None

    def max_length(self) -> int | None:
        found = MAX_LENGTH.search(self.desc) if self.type == "string" else None
        return int(found.group(1).replace(",", "")) if found else None


def parse_tree(rows: Iterable[Mapping[str, Any]]) -> tuple[Param, ...]:
    """The flat parameter list as a tree: an entry with n leading ``^`` is a child of the closest entry
    above it with n - 1."""
    top: list[tuple[Mapping[str, Any], list[Any]]] = []
    stack: list[tuple[int, list[Any]]] = [(-1, top)]
    for row in rows:
        name = str(row["name"])
        depth = len(name) - len(name.lstrip("^"))
        while stack[-1][0] >= depth:
            stack.pop()
        children: list[Any] = []
        stack[-1][1].append((row, children))
        stack.append((depth, children))
    return _freeze(top)


def _freeze(built: list[tuple[Mapping[str, Any], list[Any]]]) -> tuple[Param, ...]:
    return tuple(
        Param(
            name=str(row["name"]).lstrip("^"),
            type=str(row.get("type", "string")),
            required=row.get("required") == "Y",
            desc=str(row.get("desc") or ""),
            children=_freeze(children),
        )
        for row, children in built
    )


@dataclass(frozen=True)
class Endpoint:
    title: str
    method: str
    template: str  # interface_path, e.g. /product/202309/products/{product_id}
    query: tuple[Param, ...]
    headers: tuple[Param, ...]
    path_params: tuple[Param, ...]
    body: tuple[Param, ...]
    errors: tuple[tuple[int, str], ...]
    exact: re.Pattern[str] = dataclasses.field(repr=False)
    any_version: re.Pattern[str] = dataclasses.field(repr=False)

    @property
    def version(self) -> str:
        return self.template.split("/")[2]

    @property
    def media_type(self) -> str:
        """The content type the content-type header's description allows."""
        for header in self.headers:
            found = ALLOWED_TYPE.search(header.desc) if header.name == "content-type" else None
            if found:
                return found.group(1).lower()
        return "application/json"

    @property
    def multipart(self) -> bool:
        return self.media_type == "multipart/form-data"

    def label(self, version: str) -> str:
        """``METHOD template`` with the version called, e.g. POST /product/202309/products/{product_id}/..."""
        parts = self.template.split("/")
        parts[2] = version
        return f"{self.method} {'/'.join(parts)}"

    def code_for(self, field_path: str, rule: str, *, in_body: bool) -> int:
        """The code TikTok answers for this breach: one of the endpoint's own whose message names the
        field and the rule, else its generic parameter error, else common-errors.md's 36009004."""
        return _code_for(self.method, self.template, _field_words(field_path), rule, in_body)


@cache
def _code_for(method: str, template: str, named: tuple[str, ...], rule: str, in_body: bool) -> int:
    # Cached by what decides it: an endpoint has hundreds of codes, a bulk upload thousands of breaches.
    errors = next(e.errors for e in endpoints() if (e.method, e.template) == (method, template))
    words = RULE_WORDS.get(rule, ("invalid",))
    for code, message in errors:
        low = message.lower()
        if named and all(word in low for word in named) and any(word in low for word in words):
            return code
    if rule == "required" and in_body:
        for code, message in errors:
            if message.strip().lower() == "property is required":
                return code
    for code, message in errors:
        if GENERIC_PARAMETER.search(message):
            return code
    return BAD_PARAMETER


def _field_words(field_path: str) -> tuple[str, ...]:
    segments = [re.sub(r"\[\d+\]", "", s) for s in field_path.split(".") if s]
    if not segments:
        return ()
    segment = segments[-1]
    if segment in GENERIC_LEAVES and len(segments) > 1:
        segment = segments[-2]
    words = [w for w in segment.split("_") if w and w != "id"]
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


def _template_pattern(template: str, any_version: bool) -> re.Pattern[str]:
    parts = []
    for index, segment in enumerate(template.split("/")):
        if segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        elif index == 2 and any_version and VERSION.fullmatch(segment):
            parts.append(r"\d{6}")
        else:
            parts.append(re.escape(segment))
    return re.compile("/".join(parts))


def _load(path: Path) -> Endpoint:
    meta = json.loads(path.read_text(encoding="utf-8"))["document_api_meta"]
    template = str(meta["interface_path"])
    errors = []
    for entry in meta.get("error_code_list") or ():
        try:
            errors.append((int(entry["code"]), str(entry.get("msg") or "")))
        except (KeyError, ValueError):
            continue
    return Endpoint(
        title=str(meta.get("title") or path.stem),
        method=METHODS[int(meta["method"])],
        template=template,
        query=parse_tree(meta.get("request_query_param") or ()),
        headers=parse_tree(meta.get("request_header_param") or ()),
        path_params=parse_tree(meta.get("request_path_param") or ()),
        body=parse_tree(meta.get("request_body_param") or ()),
        errors=tuple(errors),
        exact=_template_pattern(template, any_version=False),
        any_version=_template_pattern(template, any_version=True),
    )


@cache
def endpoints() -> tuple[Endpoint, ...]:
    """Every endpoint of the reference, read once per process."""
    return tuple(_load(path) for path in sorted(SPEC_DIR.glob("*/*.spec.json")))


@dataclass(frozen=True)
class Match:
    endpoint: Endpoint
    version: str  # the version called, which may be older than the one documented
    path_params: dict[str, str]

    @property
    def label(self) -> str:
        return self.endpoint.label(self.version)


def match(method: str, path: str) -> Match | int:
    """The endpoint a call is for, or the code for its absence (36009009 path, 36009010 method).
    An exact path of that method wins; else the same path at another version (TikTok serves older
    versions for months after a new one, guides/api-versioning.md)."""
    known_path = False
    for pattern_of in (lambda e: e.exact, lambda e: e.any_version):
        for endpoint in endpoints():
            found = pattern_of(endpoint).fullmatch(path)
            if found is None:
                continue
            if endpoint.method != method:
                known_path = True
                continue
            return Match(endpoint, path.split("/")[2], found.groupdict())
    return INVALID_METHOD if known_path else INVALID_PATH


@dataclass(frozen=True)
class FormPart:
    data: bytes
    filename: str | None


@dataclass(frozen=True)
class Checked:
    """A call that passed (or whose breaches were tolerated): its endpoint and decoded body."""

    match: Match | None
    payload: dict[str, Any]
    form: dict[str, FormPart] | None = None

    @property
    def multipart(self) -> bool:
        return self.form is not None


class Contract(ContractRecord):
    """Judges calls by the reference; keeps every breach (``violations``), the tolerated ones apart
    (``tolerated``), and the versions called that the reference documents at another one."""

    def __init__(self) -> None:
        super().__init__()
        self.versions: dict[str, str] = {}  # label called -> label documented

    def enforce(self, violations: Iterable[Violation]) -> None:
        """Record each breach; refuse the call with the first one no gap tolerates."""
        refused = self.record(violations)
        if refused:
            raise ApiFailure(refused[0].code, refused[0].message, refused[0].http_status)

    def check(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> Checked:
        """Judge one call before the sandbox does anything with it (headers with lowercase names)."""
        found = match(method, path)
        if isinstance(found, int):
            rule = "unknown_path" if found == INVALID_PATH else "unknown_method"
            text = "Invalid path" if found == INVALID_PATH else "Invalid method"
            status = HTTPStatus.NOT_FOUND if found == INVALID_PATH else HTTPStatus.METHOD_NOT_ALLOWED
            self.enforce([Violation(f"{method} {path}", "", rule, f"{text}: {method} {path}", found, status)])
            return Checked(None, _lenient_json(body) if method != "GET" else {})
        endpoint = found.endpoint
        if found.version != endpoint.version:
            with self._lock:
                self.versions[found.label] = endpoint.label(endpoint.version)
        violations = list(_check_query(found, query))
        violations += _check_headers(found, headers)
        violations += _check_path(found)
        payload: dict[str, Any] = {}
        form = None
        if endpoint.multipart:
            form, breaches = _check_form(found, headers.get("content-type", ""), body)
            violations += breaches
        elif method != "GET":
            payload, breaches = _check_json(found, body)
            violations += breaches
        self.enforce(violations)
        return Checked(found, payload, form)


def _violation(found: Match, field_path: str, rule: str, message: str, *, in_body: bool) -> Violation:
    return Violation(
        found.label, field_path, rule, message, found.endpoint.code_for(field_path, rule, in_body=in_body)
    )


def _check_query(found: Match, query: Mapping[str, str]) -> Iterator[Violation]:
    listed = {param.name: param for param in found.endpoint.query}
    if "shop_cipher" in query and "shop_cipher" not in listed:
        message = "Unexpected identifier: shop_cipher is not required for this request"
        yield Violation(found.label, "shop_cipher", "unexpected", message, BAD_PARAMETER)
    for name, param in listed.items():
        value = query.get(name)
        if value is None or (value == "" and name in CREDENTIALS):
            if param.required:
                code = MISSING_CIPHER if name == "shop_cipher" else BAD_PARAMETER
                yield Violation(found.label, name, "required", f"{name} is required", code)
            continue
        if not _query_value_fits(param, value):
            message = f"{name} must be {param.type}"
            if name in CREDENTIALS:
                yield Violation(found.label, name, "type", message, BAD_PARAMETER)
            else:
                yield _violation(found, name, "type", message, in_body=False)
            continue
        bounds = param.int_range()
        if bounds and not bounds[0] <= int(value) <= bounds[1]:
            message = f"{name} must be within [{bounds[0]}, {bounds[1]}]"
            yield _violation(found, name, "range", message, in_body=False)


def _query_value_fits(param: Param, value: str) -> bool:
    """Query values are strings on the wire: an int or bool one must parse as such."""
    if param.type == "int":
        return re.fullmatch(r"-?\d+", value) is not None
    if param.type == "bool":
        return value in ("true", "false")
    return True


def _check_headers(found: Match, headers: Mapping[str, str]) -> Iterator[Violation]:
    for param in found.endpoint.headers:
        value = headers.get(param.name.lower(), "")
        if not value:
            if param.required:
                yield Violation(
                    found.label, param.name, "required", f"{param.name} is required", BAD_PARAMETER
                )
            continue
        if param.name == "content-type":
            media = value.split(";")[0].strip().lower()
            wanted = found.endpoint.media_type
            if media != wanted:
                code = NOT_MULTIPART if wanted == "multipart/form-data" else BODY_FORMAT
                message = f"content-type must be {wanted}, not {media}"
                yield Violation(found.label, param.name, "content_type", message, code)


def _check_path(found: Match) -> Iterator[Violation]:
    for param in found.endpoint.path_params:
        if param.required and not found.path_params.get(param.name):
            yield _violation(found, param.name, "required", f"{param.name} is required", in_body=False)


def _lenient_json(body: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(body or b"{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _check_json(found: Match, body: bytes) -> tuple[dict[str, Any], list[Violation]]:
    try:
        loaded = json.loads(body or b"{}")
    except ValueError:
        loaded = None
    if not isinstance(loaded, dict):
        message = "The request body must be a JSON object"
        return {}, [Violation(found.label, "", "body_format", message, BODY_FORMAT)]
    return loaded, [
        _violation(found, path, rule, message, in_body=True)
        for path, rule, message in check_value(found.endpoint.body, loaded)
    ]


def check_value(
    params: tuple[Param, ...], value: Mapping[str, JsonValue], prefix: str = ""
) -> Iterator[tuple[str, str, str]]:
    """(field path, rule, message) for each breach of a JSON object against its parameters. A
    required child is required only when its parent is there; every element of an array is checked."""
    for param in params:
        path = f"{prefix}.{param.name}" if prefix else param.name
        item = value.get(param.name)
        if item is None or (param.required and param.type.startswith("[]") and item == []):
            if param.required:
                yield path, "required", f"{path} is required"
            continue
        yield from _check_typed(param, item, path)


def _check_typed(param: Param, item: JsonValue, path: str) -> Iterator[tuple[str, str, str]]:
    kind = param.type
    if kind.startswith("[]"):
        if not isinstance(item, list):
            yield path, "type", f"{path} must be an array ({kind})"
            return
        element = Param(param.name, kind[2:], True, param.desc, param.children)
        for index, entry in enumerate(item):
            yield from _check_typed(element, entry, f"{path}[{index}]")
        return
    if not _json_type_fits(kind, item):
        yield path, "type", f"{path} must be {_ARTICLE.get(kind, kind)}"
        return
    if kind == "object":
        yield from check_value(param.children, item, path)
    bounds = param.int_range()
    if bounds and not bounds[0] <= item <= bounds[1]:
        yield path, "range", f"{path} must be within [{bounds[0]}, {bounds[1]}]"
    limit = param.max_length()
    if limit is not None and len(item) > limit:
        yield path, "max_length", f"{path} must be at most {limit} characters"


_ARTICLE = {"string": "a string", "int": "an integer", "bool": "a boolean", "object": "an object"}


def _json_type_fits(kind: str, item: JsonValue) -> bool:
    if kind == "string":
        return isinstance(item, str)
    if kind == "int":
        return isinstance(item, int) and not isinstance(item, bool)
    if kind == "bool":
        return isinstance(item, bool)
    if kind == "object":
        return isinstance(item, dict)
    return True  # a type the reference does not use for JSON bodies


def parse_form(content_type: str, body: bytes) -> dict[str, FormPart] | None:
    """The parts of a multipart/form-data body by name (None if it is not one)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        return None
    parts: dict[str, FormPart] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(data, bytes):
            parts[name] = FormPart(data, part.get_filename())
    return parts


def _check_form(
    found: Match, content_type: str, body: bytes
) -> tuple[dict[str, FormPart] | None, list[Violation]]:
    form = parse_form(content_type, body) if "multipart/form-data" in content_type.lower() else None
    if form is None:
        message = "The request body must be multipart/form-data"
        return None, [Violation(found.label, "", "body_format", message, NOT_MULTIPART)]
    breaches = []
    for param in found.endpoint.body:
        part = form.get(param.name)
        if part is None or not part.data:
            if param.required:
                breaches.append(
                    _violation(found, param.name, "required", f"{param.name} is required", in_body=True)
                )
            continue
        if param.type == "file" and part.filename is None:
            message = f"{param.name} must be a file part"
            breaches.append(_violation(found, param.name, "type", message, in_body=True))
        elif param.type == "string" and part.filename is not None:
            message = f"{param.name} must be a text part"
            breaches.append(_violation(found, param.name, "type", message, in_body=True))
    return form, breaches


def values_of(
    params: tuple[Param, ...],
    value: Mapping[str, JsonValue],
    wanted: Callable[[Param], bool],
    prefix: str = "",
) -> Iterator[tuple[str, str, Param]]:
    """(field path, value, its parameter) of every string in a JSON object whose parameter is
    ``wanted``, however deep (e.g. every image uri that must come from Upload Product Image)."""
    for param in params:
        path = f"{prefix}.{param.name}" if prefix else param.name
        item = value.get(param.name)
        items = list(enumerate(item)) if param.type.startswith("[]") and isinstance(item, list) else None
        for index, entry in items if items is not None else [(None, item)]:
            at = path if index is None else f"{path}[{index}]"
            if isinstance(entry, dict):
                yield from values_of(param.children, entry, wanted, at)
            elif isinstance(entry, str) and wanted(param):
                yield at, entry, param
