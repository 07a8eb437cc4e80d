from django.urls import include, path

app_name = "office"
urlpatterns: list = [
    path("glossary/", include("b40news.web.glossary_urls")),  # the admins' glossary review
]
