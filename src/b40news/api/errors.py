"""Every error as JSON: ``{"code": "...", "detail": "..."}``, never a traceback.

``detail`` is in the caller's language where the interface has one (the
office's English and Bulgarian, chosen by ``Accept-Language``; the sign-up
endpoint speaks the network's 13 languages). ``code`` is stable, for programs.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

log = logging.getLogger(__name__)


class Error(Schema):
    code: str
    detail: str


class ApiError(HttpError):
    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None):
        super().__init__(status, detail)
        self.code, self.headers = code, headers or {}


def bad_request(detail: str, code: str = "invalid") -> ApiError:
    return ApiError(400, code, detail)


def forbidden(detail: str) -> ApiError:
    return ApiError(403, "forbidden", detail)


def not_found(detail: str) -> ApiError:
    return ApiError(404, "not_found", detail)


def conflict(detail: str) -> ApiError:
    return ApiError(409, "conflict", detail)


def responses(*codes: int, body: bool = False) -> dict[int, type]:
    """The error part of an operation's ``response=`` mapping (for the schema); 400 always (any request
    can be malformed), 413 where a body is read (over Django's DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    return {code: Error for code in (400, *codes, *((413,) if body else ()))}


def _describe(errors: list[dict]) -> str:
    parts = []
    for error in errors[:5]:
        where = ".".join(str(item) for item in error.get("loc", ())[1:] if item != "payload") or "request"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def install(api) -> None:
    def respond(request, status: int, code: str, detail: str, headers: dict[str, str] | None = None):
        from b40news.api.subscribers import cors_for_error

        response = api.create_response(request, {"code": code, "detail": detail}, status=status)
        headers = headers or {}
        if "Access-Control-Allow-Origin" not in headers:
            headers = {**headers, **cors_for_error(request)}
        for name, value in headers.items():
            response[name] = value
        return response

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return respond(request, exc.status_code, exc.code, exc.message, exc.headers)

    @api.exception_handler(AuthenticationError)
    def unauthorised(request, exc):
        return respond(request, 401, "unauthorized",
                       _("A valid API token is needed: send it as 'Authorization: Bearer <token>'."),
                       {"WWW-Authenticate": 'Bearer realm="b40news"'})

    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        return respond(request, 400, "invalid", _("The request is not valid: %(problems)s")
                       % {"problems": _describe(exc.errors)})

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):  # django-ninja's own, e.g. a body that is not JSON
        return respond(request, exc.status_code, "invalid" if exc.status_code == 400 else "error", str(exc))

    @api.exception_handler(Http404)
    def missing(request, exc):
        return respond(request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def denied(request, exc):
        return respond(request, 403, "forbidden", _("This account may not do this."))

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc):
        return respond(request, 413, "too_large", _("The request is too large."))

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        return respond(request, 400, "invalid", _("The request is not valid."))

    @api.exception_handler(Exception)
    def crashed(request, exc):
        log.exception("API request %s %s failed", request.method, request.path)
        return respond(request, 500, "server_error", _("Something went wrong on our side; it has been logged."))
