"""Who is calling: the token's user, checked with the office's own permission functions."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from b40news.api.errors import forbidden, not_found
from b40news.releases.models import Release
from b40news.web.office import permissions

MAX_ID = 2**63 - 1  # the largest primary key: bigger ids are refused by validation, never sent to the database


def office_user(request):
    """The user of an officer's or an admin's token; 403 for any other account."""
    user = request.auth
    if not permissions.may_use_office(user):
        raise forbidden(_("This account is neither an officer nor an admin."))
    return user


def release(request, release_id: int) -> Release:
    """The release if the caller may see and act on it; 404 otherwise (as in the office)."""
    office_user(request)
    try:
        return permissions.release_for(request, release_id)
    except Http404:
        raise not_found(_("There is no release %(id)s.") % {"id": release_id}) from None


def page_of(queryset, page: int, page_size: int) -> dict:
    count = queryset.count()
    start = (page - 1) * page_size
    return {"count": count, "page": page, "page_size": page_size, "items": list(queryset[start:start + page_size])}
