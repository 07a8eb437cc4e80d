"""Subscribers and the public archive (no login).

    /                             the network's cities, each with its archive and sign-up page
    /language/<code>/?next=PATH   the language switch: remember the choice, back to PATH
    /s/<list>/                    subscribe to a city's list (double opt-in)
    /s/<list>/embed/              the same POST from a form on a city's own site (no CSRF cookie)
    /c/<token>/                   confirm a subscription (GET asks, POST confirms)
    /u/<token>/                   unsubscribe from one list (GET asks, POST and RFC 8058 one-click POST act)
    /p/<token>/                   a subscriber's preferences: language, lists
    /r/<release>/<lang>/          a sent release in one language (links.archive_url, links.original_url)
    /a/<city>/<lang>/             a city's archive in one language
    /a/<city>/<lang>/rss.xml      its RSS feed

Tokens are signed (``django.core.signing``); ``network.links`` and
``network.subscriptions`` make and read them.
"""

from django.urls import path

from b40news.web.public import archive, home, subscribe, subscriber

app_name = "public"
urlpatterns: list = [
    path("", home.home, name="home"),
    path("language/<str:code>/", home.switch_language, name="language"),
    path("s/<slug:list_slug>/", subscribe.subscribe, name="subscribe"),
    path("s/<slug:list_slug>/embed/", subscribe.embed, name="subscribe_embed"),
    path("c/<str:token>/", subscribe.confirm, name="confirm"),
    path("u/<str:token>/", subscriber.unsubscribe, name="unsubscribe"),
    path("p/<str:token>/", subscriber.preferences, name="preferences"),
    path("r/<int:release_id>/<str:lang>/", archive.release_page, name="release"),
    path("a/<slug:city_slug>/<str:lang>/", archive.city_index, name="archive"),
    path("a/<slug:city_slug>/<str:lang>/rss.xml", archive.CityFeed(), name="feed"),
]
