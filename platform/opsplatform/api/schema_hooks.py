"""drf-spectacular post-processing: every operation documents the errors it can answer with, all in
the one body ``opsplatform.api.exceptions`` produces, ``{"code", "message", "fields"}``."""

from typing import Any

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Every error of the API. `code` is stable and machine-readable; `message` is Polish, for "
        "the user; `fields` maps a field name (`parent.child` when nested, `non_field_errors` "
        "for the whole input) to its messages, and is empty when no field is concerned."
    ),
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message", "fields"],
    "additionalProperties": False,
}

DESCRIPTIONS = {
    "400": "Invalid input (`invalid`, `malformed`, or a business rule's code); see `fields`.",
    "401": "Not authenticated, or the token is not valid on this host.",
    "403": "Not allowed for this account's role or scope.",
    "404": "No such record (or page) visible to this account.",
    "409": "Conflicts with the current state of the record.",
    "413": "The request body is over the size limit or has too many fields (`request_too_large`).",
    "415": "Unsupported request body media type.",
    "429": "Too many attempts (log-in throttling); see the `Retry-After` header.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _authenticated(operation: dict[str, Any]) -> bool:
    return any(requirement for requirement in operation.get("security", [{}]))


def _error_codes(operation: dict[str, Any], method: str) -> list[str]:
    codes = ["400"] if operation.get("parameters") or "requestBody" in operation else []
    if _authenticated(operation):
        codes += ["401", "403", "404"]
    else:
        codes += ["403", "429"]  # the log-in: refused and locked-out attempts
    if method in WRITE_METHODS and _authenticated(operation):
        codes.append("409")
    if "requestBody" in operation:
        codes += ["413", "415"]
    return codes


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """Add the ``Error`` component and a response per error status to every operation (a status
    an operation documents itself is left alone)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in _error_codes(operation, method):
                responses.setdefault(code, {"description": DESCRIPTIONS[code], "content": error})
    return result
