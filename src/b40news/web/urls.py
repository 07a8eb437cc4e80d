from django.urls import include, path

urlpatterns = [
    path("office/", include("b40news.web.office_urls")),  # officers and admins (login)
    path("", include("b40news.web.public_urls")),  # subscribers and the public archive (no login)
]
