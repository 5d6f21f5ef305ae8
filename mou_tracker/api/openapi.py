"""The OpenAPI 3.1 document, built from the declared operations and the pydantic models they use."""

from __future__ import annotations

from typing import Any

from flask import Flask
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ..core.slugs import MAX_SLUG, SLUG_PATTERN
from .framework import JSON, LEGACY, OPERATIONS, PREFIX, SCOPE, SLUG_PARAM, Operation
from .schemas import MAX_ID, Problem

REF = "#/components/schemas/{model}"
#: Problems any authenticated operation can answer with; each operation adds its own.
COMMON_PROBLEMS = {400, 401, 404, 405, 429}
WRITE_PROBLEMS = {403, 409, 413, 415, 422}
PROBLEM_DESCRIPTIONS = {
    400: "Malformed request (query string, JSON)",
    401: "No valid API token",
    403: "Not allowed for your role or party",
    404: "No such object, or not visible to you",
    405: "Method not allowed",
    409: "The object's state does not allow this now",
    412: "The object changed since you read it (If-Match does not match its ETag)",
    413: "The request body is too large",
    415: "The body is not JSON",
    422: "The input breaks a rule; `errors` says where",
    428: "If-Match is required",
    429: "Too many requests: wait as long as Retry-After says",
    503: "Not available just now (the database, or the PDF renderer); Retry-After says when to try again",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "string"}}}
ETAG_READ = (
    "The representation's validator: send it back as If-None-Match to be answered 304 while nothing changed "
    "(and, for an object you may change, as If-Match with the change)"
)


def _models() -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    seen: set[tuple[type[BaseModel], JsonSchemaMode]] = set()
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    modes: tuple[JsonSchemaMode, JsonSchemaMode] = ("validation", "serialization")
    for op in OPERATIONS:
        for model, mode in zip((op.body, op.response), modes, strict=True):
            if isinstance(model, type) and issubclass(model, BaseModel) and (model, mode) not in seen:
                seen.add((model, mode))
                models.append((model, mode))
    models.append((Problem, "serialization"))
    return models


def _schema_for(annotation: Any, mode: JsonSchemaMode, refs: dict) -> dict:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return refs[(annotation, mode)]
    return TypeAdapter(annotation).json_schema(ref_template=REF, mode=mode)


NEGOTIATION_PARAMETER = {
    "name": SLUG_PARAM,
    "in": "path",
    "required": True,
    "description": "The negotiation's slug, as `GET /api/v1/negotiations` lists them (e.g. `cica-unoct-mou`)",
    "schema": {"type": "string", "minLength": 2, "maxLength": MAX_SLUG, "pattern": SLUG_PATTERN.pattern},
}


def _legacy_note(op: Operation) -> str:
    return (
        "Deprecated: this old address names no negotiation and addresses the oldest negotiation the caller may "
        f"open. Use `{PREFIX}{SCOPE}{op.path}`, which names the negotiation."
    )


def _parameters(op: Operation, *, scoped: bool) -> list[dict]:
    params = [dict(NEGOTIATION_PARAMETER)] if scoped else []
    for name, kind in op.path_params.items():
        schema = (
            {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            if kind is int
            else {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[^/]+$"}
        )
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        query_schema = op.query.model_json_schema(ref_template=REF)
        required = set(query_schema.get("required", []))
        for name, prop in query_schema["properties"].items():
            prop = {k: v for k, v in prop.items() if k != "title"}
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop.pop("description")
            params.append(param)
    if op.method == "GET":
        params.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "The ETag of your last read: answered 304, without a body, while nothing changed",
                "schema": {"type": "string"},
            }
        )
    if op.if_match:
        params.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": True,
                "description": "The ETag from your last read of the object",
                "schema": {"type": "string"},
            }
        )
    return params


def _links(op: Operation, *, scoped: bool, deprecated: bool) -> dict:
    """The operation's links, addressed like the route they hang on: a canonical route links to canonical
    routes (passing its negotiation on), an old address to old addresses."""
    targets = {target.endpoint: target for target in OPERATIONS}
    links = {}
    for name, link in op.links.items():
        target = targets[link.target]
        parameters = dict(link.parameters)
        operation_id = link.target
        if target.scoped and deprecated:
            operation_id += LEGACY
            parameters.pop(SLUG_PARAM, None)
        elif target.scoped and scoped:
            parameters.setdefault(SLUG_PARAM, f"$request.path.{SLUG_PARAM}")
        elif target.scoped and SLUG_PARAM not in parameters:
            continue  # nothing to name the negotiation with
        document = {"operationId": operation_id, "parameters": parameters}
        if link.description:
            document["description"] = link.description
        links[name] = document
    return links


def _success_content(op: Operation, refs: dict) -> dict:
    if op.media_type != JSON:
        return {op.media_type: {"schema": {"type": "string", "contentMediaType": op.media_type}}}
    schema = {"type": "object"} if op.response is dict else _schema_for(op.response, "serialization", refs)
    return {JSON: {"schema": schema}}


def _operation(op: Operation, refs: dict, *, operation_id: str, scoped: bool, deprecated: bool) -> dict:
    problem = {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}
    success: dict[str, Any] = {"description": {200: "OK", 204: "Done: no content"}.get(op.status, "Created")}
    if op.response is not None:
        success["content"] = _success_content(op, refs)
    headers = {}
    if op.method == "GET":
        headers["ETag"] = {"description": ETAG_READ, "schema": {"type": "string"}}
    elif op.etag:
        headers["ETag"] = {"description": "Send it back as If-Match to change the object", "schema": {"type": "string"}}
    if op.status == 201:
        headers["Location"] = {"description": "Where the new object is", "schema": {"type": "string"}}
    if op.media_type != JSON:
        headers["Content-Disposition"] = {"description": "attachment; filename=...", "schema": {"type": "string"}}
    if headers:
        success["headers"] = headers
    links = _links(op, scoped=scoped, deprecated=deprecated)
    if links:
        success["links"] = links
    statuses = set() if op.public else set(COMMON_PROBLEMS)
    if op.method != "GET":
        statuses |= WRITE_PROBLEMS
    if op.query is not None:
        statuses.add(422)  # a filter the service refuses (a start date after the end date)
    if op.if_match:
        statuses |= {412, 428}
    statuses |= set(op.errors)
    responses = {str(op.status): success}
    if op.method == "GET":
        responses["304"] = {
            "description": "Not modified: the ETag sent as If-None-Match is still current",
            "headers": {"ETag": {"description": ETAG_READ, "schema": {"type": "string"}}},
        }
    for status in sorted(statuses):
        responses[str(status)] = {"description": PROBLEM_DESCRIPTIONS[status], "content": problem}
        if status in (429, 503):
            responses[str(status)]["headers"] = dict(RETRY_AFTER)
    document: dict[str, Any] = {
        "operationId": operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op, scoped=scoped),
        "responses": responses,
    }
    description = "\n\n".join(part for part in (_legacy_note(op) if deprecated else "", op.description) if part)
    if description:
        document["description"] = description
    if deprecated:
        document["deprecated"] = True
    if op.public:
        document["security"] = []
    if op.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if op.form_body is not None:
        document["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": op.form_body}}}
    return document


def build_document(app: Flask) -> dict:
    refs, definitions = models_json_schema(_models(), ref_template=REF)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        for path, endpoint, deprecated in op.routes():
            paths.setdefault(PREFIX + path, {})[op.method.lower()] = _operation(
                op, refs, operation_id=endpoint, scoped=path.startswith(SCOPE), deprecated=deprecated
            )
    schemas = definitions.get("$defs", {})
    # Generic pages and plain lists are rendered inline by TypeAdapter; their item models must be components too.
    for op in OPERATIONS:
        if op.response is not None and op.response is not dict and not isinstance(op.response, type):
            schemas.update(TypeAdapter(op.response).json_schema(ref_template=REF).get("$defs", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MoU Tracker API",
            "version": "1.0.0",
            "description": (
                "Read and negotiate the draft clause by clause. Authenticate with a personal API token (create one "
                "under 'API tokens'): `Authorization: Bearer <token>`. `GET /api/v1/negotiations` lists the "
                "negotiations you may open; every operation of one lives under `/api/v1/negotiations/{negotiation}/` "
                "(its slug). The same operations without that prefix are deprecated: they address the oldest "
                "negotiation you may open. Errors are RFC 9457 problem details. Every read returns an ETag: send it "
                "back as If-None-Match and an unchanged answer is 304 without a body; a write to an existing object "
                "requires the object's ETag as If-Match. A partial update (a revision, a change to a clause, a "
                "meeting's details) changes only what it sends: a field left out stays as it is, and an explicit "
                "`null` removes the value where it may be removed. Requests are limited per token (429 with Retry-"
                "After when over the limit). Links on the answers say which operation takes an id further (a new "
                "amendment's `id` to its redline, comments, tabling)."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token"}},
        },
        "security": [{"bearer": []}],
    }
