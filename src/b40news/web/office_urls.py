from django.urls import include, path

from b40news.web.office import auth, confirm, people, preview, review, sending, views

app_name = "office"
urlpatterns: list = [
    path("glossary/", include("b40news.web.glossary_urls")),  # the admins' glossary review
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switcher
    path("", views.dashboard, name="dashboard"),
    path("releases/new/", views.submit, name="submit"),
    path("releases/<int:pk>/", views.release_page, name="release"),
    path("releases/<int:pk>/translate/", views.translate_again, name="translate"),
    path("releases/<int:pk>/approve/", review.approve, name="approve"),
    path("releases/<int:pk>/review/<str:lang>/", review.review, name="review"),
    path("releases/<int:pk>/review/<str:lang>/segments/<int:index>/", review.edit_segment, name="edit_segment"),
    path("releases/<int:pk>/review/<str:lang>/upload/", review.upload_translation, name="upload_translation"),
    path("releases/<int:pk>/preview/<str:lang>/<slug:city>/", preview.preview, name="preview"),
    path("releases/<int:pk>/preview/<str:lang>/<slug:city>/test/", preview.test_send, name="test_send"),
    path("releases/<int:pk>/test/", preview.test_send, name="test_send_any"),
    path("releases/<int:pk>/confirm/", confirm.confirm_send, name="confirm_send"),
    path("releases/<int:pk>/send/", sending.send, name="send"),
    path("releases/<int:pk>/progress/", sending.progress, name="progress"),
    path("releases/<int:pk>/progress.json", sending.progress_json, name="progress_json"),
    path("releases/<int:pk>/retry/", sending.retry, name="retry"),
    path("releases/<int:pk>/pause/", sending.pause, name="pause"),
    path("releases/<int:pk>/resume/", sending.resume, name="resume"),
    path("releases/<int:pk>/cancel/", sending.cancel, name="cancel"),
    path("reviewers/", people.roles, name="reviewers"),
    path("reviewers/<int:pk>/remove/", people.remove_role, name="remove_role"),
    path("notifications/", people.notifications, name="notifications"),
]
