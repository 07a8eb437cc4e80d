"""/office/glossary/: the glossary review queue, entries and their history, proposals."""

from django.urls import path

from b40news.web import glossary_views as views

app_name = "glossary"
urlpatterns: list = [
    path("", views.queue, name="queue"),
    path("propose/", views.propose, name="propose"),
    path("entries/", views.entries, name="entries"),
    path("entries/<str:entry_id>/", views.entry, name="entry"),
    path("proposals/<str:entry_id>/decide/", views.decide, name="decide"),
]
