"""Who may see and do what in the office.

An officer belongs to one city and sees and acts on that city's releases only;
the ``network`` role may also target every list of the network, but sends its
own city's releases like everybody else. Staff (admins) see and act on every
release. A release of another city is answered with 404: its existence is
none of the caller's business. An officer of a city that received another
city's release on its lists may open that release's page, progress and
reach, read-only (`release_to_read`).

Reviewers and translators of a language (`releases.reviewers`) open and edit
that language's review page of every release in their scope, whichever city
sent it; reviewers approve it. Approving is decided in `workflow.approve`
itself: an officer or admin who is not the language's reviewer approves only
with a recorded override.
"""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from b40news.network.models import City, MailingList, Officer
from b40news.releases import reviewers
from b40news.releases.models import Release


def officer_of(user) -> Officer | None:
    if not user.is_authenticated:
        return None
    try:
        return user.officer
    except Officer.DoesNotExist:
        return None


def may_use_office(user) -> bool:
    return user.is_authenticated and user.is_active and (
        user.is_staff or officer_of(user) is not None or reviewers.has_roles(user))


def visible_releases(user) -> QuerySet[Release]:
    releases = Release.objects.select_related("city")
    if user.is_staff:
        return releases
    officer = officer_of(user)
    if officer is None:
        return releases.none()
    return releases.filter(city_id=officer.city_id)


def release_for(request, pk: int) -> Release:
    """The release if the user may see and act on it, else 404."""
    try:
        return visible_releases(request.user).get(pk=pk)
    except Release.DoesNotExist:
        raise Http404("no such release") from None


def readable_releases(user) -> QuerySet[Release]:
    """What the user may open read-only: the releases they act on, and those
    sent to a list of their own city by another city (to see what went to
    their subscribers, and its reach)."""
    if user.is_staff:
        return visible_releases(user)
    officer = officer_of(user)
    if officer is None:
        return Release.objects.none()
    return Release.objects.select_related("city").filter(
        Q(city_id=officer.city_id) | Q(lists__city_id=officer.city_id)).distinct()


def release_to_read(request, pk: int) -> tuple[Release, bool]:
    """(the release, whether the user may act on it), else 404 (`readable_releases`)."""
    release = visible_releases(request.user).filter(pk=pk).first()
    if release is not None:
        return release, True
    release = readable_releases(request.user).filter(pk=pk).first()
    if release is None:
        raise Http404("no such release")
    return release, False


def review_release(request, pk: int, code: str) -> Release:
    """The release if the user may open the review of language ``code``: its
    owner, or a reviewer or translator of the language in scope; else 404."""
    release = Release.objects.select_related("city").filter(pk=pk).first()
    if release is None or not reviewers.may_edit(request.user, release, code):
        raise Http404("no such release")
    return release


def submit_cities(user) -> QuerySet[City]:
    """The cities the user may submit for: their own; staff without a city, any."""
    officer = officer_of(user)
    if officer is not None:
        return City.objects.filter(pk=officer.city_id)
    if user.is_staff:
        return City.objects.all()
    return City.objects.none()


def target_lists(user) -> QuerySet[MailingList]:
    """The lists the user may send to: the own city's; every list for network officers and staff."""
    officer = officer_of(user)
    lists = MailingList.objects.select_related("city")
    if user.is_staff or (officer is not None and officer.role == Officer.Role.NETWORK):
        return lists
    if officer is None:
        return lists.none()
    return lists.filter(city_id=officer.city_id)


def audience_city(request, slug: str) -> City:
    """A city whose audience the user manages; 403 for another city's (it exists), 404 for none."""
    city = managed_cities(request.user).filter(slug=slug).first()
    if city is not None:
        return city
    if City.objects.filter(slug=slug).exists():
        raise PermissionDenied("the subscribers of another city")
    raise Http404("no such city")


def managed_cities(user) -> QuerySet[City]:
    """The cities whose subscribers and webhooks the user manages: their own; staff, every city."""
    if user.is_staff:
        return City.objects.all()
    officer = officer_of(user)
    if officer is None:
        return City.objects.none()
    return City.objects.filter(pk=officer.city_id)


def office_view(view, allowed=may_use_office):
    """Login required (anonymous users go to the login page), then an officer,
    a reviewer or translator, or staff (or whom ``allowed`` lets in)."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if not allowed(request.user):
            raise PermissionDenied("this account is neither an officer, a reviewer nor an admin")
        return view(request, *args, **kwargs)

    return login_required(checked)


def staff_view(view):
    """Like `office_view`, for staff only."""
    return office_view(view, allowed=lambda user: user.is_active and user.is_staff)
