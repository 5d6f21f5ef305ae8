"""The OpenAPI 3.1 document, built from the declared operations and the pydantic models they use."""

from __future__ import annotations

from typing import Any

from flask import Flask
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from ..core.slugs import MAX_SLUG, SLUG_PATTERN
from .framework import OPERATIONS, PREFIX, SCOPE, SLUG_PARAM, Operation
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
    429: "Too many requests",
}


def _models() -> list[tuple[Any, str]]:
    seen, models = set(), []
    for op in OPERATIONS:
        for model, mode in ((op.body, "validation"), (op.response, "serialization")):
            if isinstance(model, type) and issubclass(model, BaseModel) and (model, mode) not in seen:
                seen.add((model, mode))
                models.append((model, mode))
    models.append((Problem, "serialization"))
    return models


def _schema_for(annotation: Any, mode: str, refs: dict) -> dict:
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
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", []))
        for name, prop in schema["properties"].items():
            prop = {k: v for k, v in prop.items() if k != "title"}
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop.pop("description")
            params.append(param)
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


def _operation(op: Operation, refs: dict, *, operation_id: str, scoped: bool, deprecated: bool) -> dict:
    problem = {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}
    success: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created"}
    if op.response is not None:
        schema = {"type": "object"} if op.response is dict else _schema_for(op.response, "serialization", refs)
        success["content"] = {"application/json": {"schema": schema}}
    headers = {}
    if op.etag:
        headers["ETag"] = {"description": "Send it back as If-Match to change the object", "schema": {"type": "string"}}
    if op.status == 201:
        headers["Location"] = {"description": "Where the new object is", "schema": {"type": "string"}}
    if headers:
        success["headers"] = headers
    statuses = set() if op.public else set(COMMON_PROBLEMS)
    if op.method != "GET":
        statuses |= WRITE_PROBLEMS
    if op.query is not None:
        statuses.add(422)  # a filter the service refuses (a start date after the end date)
    if op.if_match:
        statuses |= {412, 428}
    statuses |= set(op.errors)
    responses = {str(op.status): success}
    for status in sorted(statuses):
        responses[str(status)] = {"description": PROBLEM_DESCRIPTIONS[status], "content": problem}
    document = {
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
                "Read and negotiate the draft clause by clause. Authenticate with a personal API token "
                "(create one under 'API tokens'): `Authorization: Bearer <token>`. `GET /api/v1/negotiations` "
                "lists the negotiations you may open; every operation of one lives under "
                "`/api/v1/negotiations/{negotiation}/` (its slug). The same operations without that prefix are "
                "deprecated: they address the oldest negotiation you may open. Errors are RFC 9457 problem "
                "details. Reads return an ETag; a write to an existing object requires it as If-Match."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token"}},
        },
        "security": [{"bearer": []}],
    }
