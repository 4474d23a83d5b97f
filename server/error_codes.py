"""The table of every error code of the three layers: name, layer, Central problem code, HTTP
status and message template. scripts/reference_docs.py writes the docs' error-code reference
from it; tests/server/test_error_shapes.py checks it against Central's own list."""

from __future__ import annotations

from dataclasses import dataclass

from converters.errors import ConversionCode, ErrorCode
from server.errors import ProblemCode
from storage.errors import StorageCode

# The layer each family of codes belongs to, bottom first.
LAYERS: tuple[tuple[str, type[ErrorCode]], ...] = (
    ("converters", ConversionCode),
    ("storage", StorageCode),
    ("server", ProblemCode),
)

# The Central problem codes with a decimal that Baobab answers, with the name Central gives the
# case (central-backend, lib/util/problem.js). A code whose decimal is 0 is a plain HTTP status
# for a case Central has no code of its own for.
CENTRAL_PROBLEMS: dict[float, str] = {
    400.2: "missingParameter",
    400.6: "invalidHeader",
    400.7: "missingMultipartField",
    400.8: "unexpectedValue",
    400.15: "xlsformNotValid",
    400.16: "formWarnings",
    400.28: "invalidEntity",
    400.29: "pendingSubmissions",
    400.43: "multiEntityError",
    401.2: "authenticationFailed",
    401.3: "httpsOnly",
    403.1: "insufficientRights",
    404.1: "notFound",
    404.5: "deprecatedIdNotFound",
    404.6: "formVersionNotFound",
    404.9: "entityVersionNotFound",
    404.11: "entityDeleted",
    409.1: "xmlConflict",
    409.2: "notAcceptingSubmissions",
    409.3: "uniquenessViolation",
    409.6: "versionUniquenessViolation",
    409.9: "deprecatingOldSubmission",
    409.15: "entityVersionConflict",
    409.18: "duplicateSubmission",
    409.19: "entityUniquenessViolationWithDeleted",
}


@dataclass(frozen=True, slots=True)
class CodeRow:
    """One error code as a client meets it."""

    name: str  # the code's name in its Enum, e.g. "NOT_FOUND"
    layer: str  # "converters", "storage" or "server"
    central: float  # the "code" of the JSON answer, e.g. 404.1
    status: int  # the HTTP status, the integer part of `central`
    template: str  # the message, with {placeholders} filled from the error's context
    central_name: str | None  # Central's name for the case, when Central has a code for it


def all_codes() -> list[CodeRow]:
    """Every code of every layer, layer by layer (converters, storage, server), each layer in
    the order its Enum declares them."""
    return [
        CodeRow(
            name=code.name,
            layer=layer,
            central=code.central,
            status=code.status,
            template=code.template,
            central_name=CENTRAL_PROBLEMS.get(code.central),
        )
        for layer, family in LAYERS
        for code in family
    ]
