"""Which web sites' pages may call a city's sign-up endpoint (CORS).

An origin is allowed when it is listed for the city (admin: *Allowed
origins*) or for every city (``B40NEWS_API_CORS_ORIGINS``). A request that
names another origin is refused (403) before anything is done: browsers
send some cross-site POSTs without asking first, so leaving the answer
unreadable would not be enough. A request without ``Origin`` (a server, a
script, curl) is not a browser's cross-site request and goes on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from b40news.api.models import AllowedOrigin

MAX_AGE = 86400  # seconds a browser may keep a preflight answer


def normalise_origin(value: str) -> str:
    """``https://www.example.org`` from ``HTTPS://WWW.Example.org:443/``; ValueError if not an origin."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} is not an origin such as https://www.example.org") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{value!r} is not an origin such as https://www.example.org")
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def allowed(origin: str, city_id: int) -> bool:
    try:
        origin = normalise_origin(origin)
    except ValueError:
        return False
    if origin in {normalise_origin(item) for item in settings.API_CORS_ORIGINS}:
        return True
    return AllowedOrigin.objects.filter(city_id=city_id, origin=origin).exists()


def headers(origin: str, *, preflight: bool = False) -> dict[str, str]:
    """The answer's CORS headers for an allowed ``origin``."""
    found = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if preflight:
        found.update({
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Accept-Language",
            "Access-Control-Max-Age": str(MAX_AGE),
        })
    else:
        found["Access-Control-Expose-Headers"] = "Retry-After"
    return found
