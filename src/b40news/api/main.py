"""The API object: ``/api/v1/`` with its OpenAPI schema (``openapi.json``) and interactive docs (``docs``).

django-ninja builds the schema from the operations' type hints, so it cannot
drift from what the code accepts and answers; the docs page (Swagger UI) is
served from the package's own static files (no CDN, the site's CSP holds).
"""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.parser import Parser
from ninja.security import HttpBearer

from b40news.api import errors, releases, schemas, subscribers, tokens, webhooks
from b40news.web.office import permissions


class TokenAuth(HttpBearer):
    """``Authorization: Bearer b40_…``: the token's user acts, with that user's permissions."""

    def authenticate(self, request, token: str):
        user = tokens.authenticate(token)
        if user is not None:
            request.user = user
        return user


class ObjectParser(Parser):
    """Every JSON body of this API is an object: anything else is refused (400), never read as empty."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data


api = NinjaAPI(
    title="b40news API",
    version="1",
    description=(
        "Releases, their translations' review and sending, sign-ups and webhooks of the B40 Balkan Cities "
        "Network's newsletters. Authenticate with `Authorization: Bearer <token>` (tokens are made by the "
        "admins); the sign-up endpoint is public. Errors are `{\"code\", \"detail\"}`."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=ObjectParser(),
)
errors.install(api)
api.add_router("/", releases.router)
api.add_router("/", subscribers.router)
api.add_router("/", webhooks.router)


@api.get("/me", response={200: schemas.Me, **errors.responses(401)}, tags=["account"],
         summary="Who the token acts as")
def me(request):
    user = request.auth
    officer = permissions.officer_of(user)
    return {"username": user.get_username(), "staff": user.is_staff,
            "city": officer.city.slug if officer else None, "role": officer.role if officer else None}


__all__ = ["api"]
