"""What the API reads and writes (pydantic, through django-ninja): the OpenAPI schema's source."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict

from b40news.webhooks.models import EVENTS

Event = Literal["release.translated", "language.approved", "release.sent", "subscriber.unsubscribed"]
assert set(Event.__args__) == set(EVENTS)
SubscriptionStatus = Literal["pending", "confirmed", "unsubscribed"]


def _storable(value: str) -> str:
    """Text every database stores: no NUL (PostgreSQL refuses it), no lone surrogate (not UTF-8)."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode text") from None
    return value


Text = Annotated[str, AfterValidator(_storable)]


def _iso_text(value):
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("must be a date and time as ISO 8601 text")
    return value


# A time in a body: ISO 8601 text only (no number of seconds read as a date).
When = Annotated[datetime, Field(strict=False), BeforeValidator(_iso_text)]


class Body(Schema):
    """A request body: JSON types as the schema says, no coercion ("1" is not 1, 0 is not false)."""

    model_config = ConfigDict(strict=True)


class Paging(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=500)


class Me(Schema):
    username: str
    staff: bool
    city: str | None = Field(description="the officer's city; none for staff without one")
    role: str | None


class ReleaseIn(Body):
    body: Text = Field(description="the Bulgarian text; its first line is the title unless `title` is given")
    title: Text | None = Field(None, description="the title, when it is not the text's first line")
    city: Text | None = Field(None, description="the city's slug; an officer's own city when left out")
    lists: list[Text] = Field(default_factory=list,
                             description="mailing lists' slugs; the city's own lists when left out")
    translate: bool = Field(True, description="start machine translation at once (as the office does)")


class Release(Schema):
    id: int
    title: str
    city: str
    status: str
    scheduled_for: datetime | None
    created_at: datetime
    lists: list[str]


class ReleaseCreated(Release):
    translation: str = Field(description="`started`, `not requested`, or why it could not start")


class ReleasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[Release]


class ReleaseState(Schema):
    """`delivery.status.release_status`: the same document as `b40news status ID --json`."""

    release: int
    title: str
    city: str
    status: str
    scheduled_for: str | None
    counts: dict[str, int]
    languages: dict[str, dict[str, Any]]
    lists: dict[str, dict[str, int]]
    progress: dict[str, Any]
    eta: float | None


class ApproveIn(Body):
    languages: list[Text] | None = Field(
        None, min_length=1, description="language codes; every translated language when left out")
    force: bool = Field(False, description="approve despite flagged segments (a human decision)")
    override: bool = Field(False, description="approve as the release's owner where you are not the language's "
                                              "reviewer (recorded as an override)")


class Approved(Schema):
    approved: list[str]
    status: str


class SendIn(Body):
    at: When | None = Field(None, description="send at this time (ISO 8601; UTC when no offset); now when "
                                                  "left out or past")


class SendReport(Schema):
    status: str
    added: int = Field(description="rows frozen into the ledger by this call")
    due: int = Field(description="recipients who get it now (or at the scheduled time)")
    waiting: dict[str, int] = Field(description="language -> recipients waiting for its approval")
    scheduled_for: datetime | None


class ReleaseAction(Schema):
    status: str
    removed: int | None = Field(None, description="cancel: recipients taken back")


class SubscribeIn(Body):
    email: Text = Field(max_length=320)
    language: Text | None = Field(None, max_length=16,
                                 description="the newsletter's language; the city's when left out")
    website: Text | None = Field(None, max_length=200,
                                description="leave empty: a honeypot for bots (a hidden field of the form)")


class SubscribeAccepted(Schema):
    status: Literal["confirmation_sent"]
    detail: str


class Subscriber(Schema):
    id: int
    email: str
    language: str
    list: str
    status: SubscriptionStatus
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None


class SubscriberPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[Subscriber]


class WebhookIn(Body):
    url: Text = Field(max_length=500, description="https:// URL of the city's receiver")
    events: list[Event] = Field(min_length=1)
    city: Text | None = Field(None, description="the city's slug; an officer's own city when left out")
    description: Text = Field("", max_length=200)


class Webhook(Schema):
    id: int
    city: str
    url: str
    events: list[str]
    description: str
    active: bool
    created_at: datetime


class WebhookCreated(Webhook):
    secret: str = Field(description="the HMAC key of the signatures: shown only here, keep it")


class WebhookDelivery(Schema):
    id: int
    event: str
    event_id: str
    state: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str


class WebhookDeliveryPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[WebhookDelivery]
