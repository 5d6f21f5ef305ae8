"""How an API operation is declared, authenticated, parsed and answered.

Each view is declared once with `operation(...)`: the declaration registers the Flask route, parses and
validates the query string and the JSON body with pydantic, authenticates the bearer token, commits once,
and is what the OpenAPI document is built from. A route cannot exist without being in the document.

An operation of a negotiation (`scoped`, the default) is routed twice: at its canonical address under
/negotiations/{negotiation}/ (the negotiation's slug), and at its old address without one, kept from the time the
product held one negotiation, which opens the oldest negotiation the token's owner may open (documented as
deprecated). Either way the negotiation is opened after the token is checked, so an unauthenticated call learns
nothing of what exists, and every service of the request reads that negotiation (`draft.current_instrument`).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from limits import RateLimitItem, parse_many
from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException
from werkzeug.http import unquote_etag

from ..core.slugs import is_valid_slug
from ..extensions import csrf, db, limiter
from ..models import Instrument, User
from ..services import api_tokens, negotiations
from ..services.draft import remember_instrument
from ..services.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from .schemas import FieldProblem, Problem

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)  # no ambient credential: a bearer token is sent on purpose, so there is nothing to forge

#: Where a negotiation's operations live (OpenAPI form, relative to PREFIX); `negotiation` is its slug.
SCOPE = "/negotiations/{negotiation}"
SLUG_PARAM = "negotiation"
#: The slug's name in the Flask rule. Not `negotiation`: the web pages' scope (web/negotiation_scope.py) takes a URL
#: value of that name, on every route, for its own pages.
SLUG_VALUE = "negotiation_slug"
#: The endpoint (and operationId) suffix of an operation's old address, which names no negotiation.
LEGACY = "_legacy"


JSON = "application/json"


@dataclass(frozen=True)
class Link:
    """An OpenAPI link from an operation's answer to another operation (by its endpoint): how a client follows an
    id. `parameters` are runtime expressions ("$response.body#/id"); the negotiation is passed on by itself."""

    target: str
    parameters: dict[str, str]
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI form, relative to PREFIX: /amendments/{amendment_id}
    endpoint: str
    summary: str
    tag: str
    path_params: dict[str, type]
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: Any
    status: int
    etag: bool
    if_match: bool
    public: bool
    #: An operation of one negotiation: routed under SCOPE, and at its old address (deprecated).
    scoped: bool
    description: str = ""
    errors: tuple[int, ...] = field(default=())
    #: The media type of a successful answer that is not JSON (a CSV, DOCX or PDF export).
    media_type: str = JSON
    links: dict[str, Link] = field(default_factory=dict)
    #: A multipart/form-data body (a file upload), as its JSON schema: the view reads `request.files` itself.
    form_body: dict[str, Any] | None = None

    def routes(self) -> list[tuple[str, str, bool]]:
        """(path in OpenAPI form relative to PREFIX, endpoint, deprecated) of each address of the operation: the
        scoped one first; the endpoint of the canonical address is the view's name (its operationId)."""
        if not self.scoped:
            return [(self.path, self.endpoint, False)]
        return [(SCOPE + self.path, self.endpoint, False), (self.path, self.endpoint + LEGACY, True)]


OPERATIONS: list[Operation] = []

#: HTTP status -> (problem type slug, title) for problems raised by the framework itself.
PROBLEM_TYPES = {
    400: ("bad-request", "The request is malformed"),
    401: ("unauthorized", "Authentication required"),
    403: ("permission-denied", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Changed meanwhile"),
    413: ("too-large", "The request is too large"),
    415: ("unsupported-media-type", "Send JSON"),
    422: ("validation-failed", "Please correct the input"),
    428: ("precondition-required", "If-Match required"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal-error", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


class ApiProblem(Exception):
    def __init__(self, status: int, detail: str, *, errors: list[FieldProblem] | None = None, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}


def problem(status: int, detail: str, *, errors=None, title: str | None = None, headers=None) -> Response:
    slug, default_title = PROBLEM_TYPES.get(status, ("error", "Error"))
    body = Problem(
        type=f"{PREFIX}/problems/{slug}",
        title=title or default_title,
        status=status,
        detail=detail,
        instance=request.path,
        errors=errors,
    )
    response = jsonify(body.model_dump(mode="json", exclude_none=True))
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unavailable_problem(retry_after: int) -> Response:
    """The database cannot be reached: nothing was read or written; the same request may be sent again later."""
    return problem(
        503,
        "The database cannot be reached just now, so nothing was read or saved. Try again in a moment.",
        headers={"Retry-After": str(retry_after)},
    )


def domain_problem(error: DomainError) -> Response:
    status = {ValidationFailed: 422, PermissionDenied: 403, NotFound: 404, Conflict: 409}.get(
        type(error), error.status_code
    )
    return problem(status, error.message, title=error.title)


def http_problem(error: HTTPException) -> Response:
    allowed = getattr(error, "valid_methods", None)  # set on 405 answers (werkzeug's MethodNotAllowed)
    headers = {"Allow": ", ".join(allowed)} if allowed else None
    return problem(error.code or 500, error.description or error.name, headers=headers)


# Authentication ---------------------------------------------------------------------------------------------------


def _bearer_user() -> User:
    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    user = api_tokens.user_for_token(db.session, secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        # A session cookie is never enough here: the API acts only for a token its owner chose to create.
        raise ApiProblem(
            401,
            "Send a valid personal API token as 'Authorization: Bearer <token>'. "
            "Create one under 'API tokens' in MoU Tracker.",
            headers={"WWW-Authenticate": 'Bearer realm="MoU Tracker API"'},
        )
    return user


def actor() -> User:
    return g.api_actor


#: request.environ key: the token's owner, when authenticated before the body was read (an upload).
_ACTOR_BEFORE_THE_BODY = "mou_tracker.api_actor"


def authenticate_before_the_body() -> Response | None:
    """For an operation that takes a file: check the token before anything reads the (large) body, and answer a
    request without a valid one now, as the operation would (401, or 429 past the limits). The owner is kept for
    the operation, so the request is counted once."""
    try:
        request.environ[_ACTOR_BEFORE_THE_BODY] = _authenticate()
    except ApiProblem as exc:
        db.session.rollback()
        return problem(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)
    return None


# The rate limit ---------------------------------------------------------------------------------------------------


def rate_limits() -> list[RateLimitItem]:
    """Requests per token (per address for requests without a valid token): the app's MOU_API_RATE_LIMIT, in the
    `limits` notation ("600 per minute"; "" switches the limit off; see config.py). Counted in the limiter's storage:
    memory per worker by default, shared through MOU_RATELIMIT_STORAGE (Redis) when several workers serve the API."""
    raw = current_app.config.get("MOU_API_RATE_LIMIT", "")
    return parse_many(raw) if raw else []


def _count_request(key: str) -> None:
    """Count this request against the caller's limits; past one, refuse it with 429 and when to try again."""
    if not limiter.enabled:
        return
    strategy = limiter.limiter
    for item in rate_limits():
        if not strategy.hit(item, "mou-api", key):
            reset_at = strategy.get_window_stats(item, "mou-api", key).reset_time
            seconds = max(1, math.ceil(reset_at - time.time()))
            raise ApiProblem(
                429,
                f"Too many requests: this token may send {item}. Wait {seconds} seconds, then try again.",
                headers={"Retry-After": str(seconds)},
            )


def _authenticate() -> User:
    """The token's owner, counted per token; a request without a valid token is counted per address, so that
    guessing tokens is limited as well."""
    secret = (request.headers.get("Authorization") or "").partition(" ")[2]
    try:
        user = _bearer_user()
    except ApiProblem:
        _count_request(f"address:{request.remote_addr or ''}")
        raise
    digest = hashlib.sha256(secret.strip().encode("utf-8", "surrogatepass")).hexdigest()[:32]
    _count_request(f"token:{digest}")
    return user


# The negotiation --------------------------------------------------------------------------------------------------


def _open_negotiation(slug: str | None) -> Instrument:
    """Open the negotiation the address names (or, at an old address, the oldest the actor may open) for every
    service of this request. Not found, the same 404 as any unknown id, when it does not exist or is not open to the
    actor: a caller cannot tell the two apart."""
    if slug is None:
        instrument = negotiations.first_open_to(db.session, actor())
        if instrument is None:
            raise NotFound(negotiations.NOT_FOUND)
        remember_instrument(db.session, instrument)
    elif not is_valid_slug(slug):
        raise NotFound(negotiations.NOT_FOUND)  # no such name can exist: no need to ask the database
    else:
        instrument = negotiations.open_negotiation(db.session, actor(), slug)
    g.api_negotiation = instrument
    # What the pages' helpers read as this request's negotiation (links, kept parts' keys): the one the address
    # names, not the actor's oldest (web.negotiation_scope.current_slug's fallback).
    g.negotiation_slug = instrument.slug
    return instrument


def negotiation() -> Instrument:
    """The negotiation this request opened (scoped operations only)."""
    return g.api_negotiation


def uploaded_file(what: str) -> FileStorage:
    """The file of a multipart/form-data request, in the form field named 'file' (`what` names it in the answer)."""
    if request.mimetype != "multipart/form-data":
        raise ApiProblem(415, f"Send the {what} as multipart/form-data, in a field named 'file'.")
    upload = request.files.get("file")
    if upload is None:
        raise ApiProblem(422, f"Send the {what} in a form field named 'file'.")
    return upload


def scoped_url(endpoint: str, **values: Any) -> str:
    """The canonical address of an operation of this request's negotiation, for Location headers and links: always
    the one that names the negotiation, even when the request came to an old address."""
    return url_for(f"{bp.name}.{endpoint}", **{SLUG_VALUE: negotiation().slug, **values})


# Parsing ----------------------------------------------------------------------------------------------------------


def _field_problems(error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"] if not str(part).startswith("function-"))
        problems.append(
            FieldProblem(field=prefix + where if where else prefix.rstrip(".") or "body", message=item["msg"])
        )
    return problems


def _refuse_unstorable(value: Any, where: str = "body") -> None:
    """No stored text may hold a NUL or a lone surrogate; PostgreSQL cannot even compare one."""
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            raise ApiProblem(
                422,
                "A text contains a NUL or an unpaired surrogate character, which no field may hold.",
                errors=[FieldProblem(field=where, message="invalid character")],
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(key, where)
            _refuse_unstorable(item, f"{where}.{key}" if isinstance(key, str) else where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_unstorable(item, f"{where}.{index}")


def _parse_query(model: type[BaseModel]) -> BaseModel:
    raw = {}
    for name, values in request.args.lists():
        if len(values) > 1:
            raise ApiProblem(400, f"The query parameter '{name}' is given more than once.")
        raw[name] = values[0]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ApiProblem(400, "The query string is not valid.", errors=_field_problems(exc, "query.")) from None


def _parse_body(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json":
        raise ApiProblem(415, "Send the request body as JSON, with 'Content-Type: application/json'.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiProblem(400, "The request body is not valid JSON.")
    _refuse_unstorable(data)
    try:
        # Strict: a JSON number is not a date, nor "5" an id; lax mode would read 0.0 as 1 January 1970.
        return model.model_validate_json(request.get_data(), strict=True)
    except ValidationError as exc:
        raise ApiProblem(422, "The request body is not valid.", errors=_field_problems(exc)) from None


# Preconditions ----------------------------------------------------------------------------------------------------


def _conditional_read(response: Response, etag: str | None) -> Response:
    """Every successful read carries an ETag: the object's own validator when it has one (the one If-Match takes),
    else a digest of the answer. A client that sends it back as If-None-Match gets 304 and no body while nothing
    changed."""
    if etag is None:
        etag = f'"{hashlib.sha256(response.get_data()).hexdigest()[:32]}"'
    response.headers["ETag"] = etag
    if request.if_none_match and request.if_none_match.contains_weak(unquote_etag(etag)[0]):
        return Response(status=304, headers={"ETag": etag})
    return response


def etag_of(kind: str, obj) -> str:
    """A strong validator that changes whenever the object changes: its optimistic-lock counter."""
    return f"{kind}-{obj.id}-v{obj.lock_version}"


def require_match(current: str) -> None:
    """Refuse a write made against anything but the representation the client last read."""
    if not request.headers.get("If-Match"):
        raise ApiProblem(
            428, "Send the ETag you last read as If-Match, so that a change made meanwhile is not overwritten."
        )
    if not request.if_match.contains(current):
        raise ApiProblem(
            412,
            "It changed since you read it. Read it again, check the new state, "
            "then repeat the request if it still applies.",
            headers={"ETag": f'"{current}"'},
        )


# Declaring operations ---------------------------------------------------------------------------------------------


def _flask_rule(path: str, path_params: dict[str, type]) -> str:
    def variable(match: re.Match) -> str:
        name = match[1]
        if name == SLUG_PARAM and name not in path_params:
            return f"<{SLUG_VALUE}>"
        return f"<int:{name}>" if path_params[name] is int else f"<{name}>"

    return re.sub(r"\{(\w+)\}", variable, path)


class SharedOptions(TypedDict, total=False):
    """Keyword arguments of `operation` that several operations share, spelled once (`**MILESTONE_WRITE`)."""

    tag: str
    response: Any
    etag: bool
    if_match: bool


class OperationOptions(SharedOptions, total=False):
    """Shared options that also fix the path parameters and links (the operations on one amendment)."""

    path_params: dict[str, type]
    links: dict[str, Link]


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    response: Any = None,
    status: int = 200,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    path_params: dict[str, type] | None = None,
    etag: bool = False,
    if_match: bool = False,
    public: bool = False,
    scoped: bool = True,
    description: str = "",
    errors: tuple[int, ...] = (),
    media_type: str = JSON,
    links: dict[str, Link] | None = None,
    form_body: dict[str, Any] | None = None,
) -> Callable:
    """Declare an API operation. The view receives path parameters, then `query=` and `body=` when declared,
    and returns (payload, headers) or a payload; a payload is a pydantic model or a ready Response.

    `scoped` (the default): the operation concerns one negotiation; it is routed under SCOPE and at its old address,
    and the view finds the negotiation opened (`negotiation()`; every service reads it). Only operations of no
    negotiation (the document, the list of negotiations) say `scoped=False`."""
    if scoped and public:
        raise ValueError("A negotiation is opened for the token's owner: a public operation cannot be scoped")

    def decorate(view: Callable) -> Callable:
        op = Operation(
            method=method.upper(),
            path=path,
            endpoint=view.__name__,
            summary=summary,
            tag=tag,
            path_params=path_params or {},
            query=query,
            body=body,
            response=response,
            status=status,
            etag=etag,
            if_match=if_match,
            public=public,
            scoped=scoped,
            description=description or (view.__doc__ or "").strip(),
            errors=errors,
            media_type=media_type,
            links=links or {},
            form_body=form_body,
        )
        OPERATIONS.append(op)

        @functools.wraps(view)
        def handle(**path_values):
            try:
                if not public:
                    early = request.environ.pop(_ACTOR_BEFORE_THE_BODY, None)
                    g.api_actor = early if early is not None else _authenticate()
                kwargs = dict(path_values)
                if scoped:  # after the token: an unauthenticated call never learns what exists
                    _open_negotiation(kwargs.pop(SLUG_VALUE, None))
                if query is not None:
                    kwargs["query"] = _parse_query(query)
                if body is not None:
                    kwargs["body"] = _parse_body(body)
                result = view(**kwargs)
            except ApiProblem as exc:
                db.session.rollback()
                return problem(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)
            payload, headers = result if isinstance(result, tuple) else (result, {})
            db.session.commit()  # one commit per request, after the service has flushed and audited
            if isinstance(payload, Response):
                response = payload
            else:
                response = jsonify(payload.model_dump(mode="json")) if payload is not None else Response(status=204)
                response.status_code = status if payload is not None else 204
                for name, value in (headers() if callable(headers) else headers).items():
                    response.headers[name] = value
            if op.method == "GET" and response.status_code == 200:
                return _conditional_read(response, response.headers.get("ETag"))
            return response

        for route, endpoint, _deprecated in op.routes():
            bp.add_url_rule(_flask_rule(route, op.path_params), endpoint, handle, methods=[op.method])
        return view

    return decorate
