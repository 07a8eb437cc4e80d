from django.urls import include, path

from b40news.web.office import audience, auth, confirm, deadlines, people, preview, reach, review, sending, views

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
    path("releases/<int:pk>/review/<str:lang>/segments/<int:index>.json", review.save_segment, name="save_segment"),
    path("releases/<int:pk>/review/<str:lang>/segments/<int:index>/comments/", review.comment,
         name="segment_comment"),
    path("releases/<int:pk>/review/<str:lang>/upload/", review.upload_translation, name="upload_translation"),
    path("releases/<int:pk>/preview/<str:lang>/<slug:city>/", preview.preview, name="preview"),
    path("releases/<int:pk>/preview/<str:lang>/<slug:city>/test/", preview.test_send, name="test_send"),
    path("releases/<int:pk>/deadline/", deadlines.plan, name="deadline"),
    path("releases/<int:pk>/test/", preview.test_send, name="test_send_any"),
    path("releases/<int:pk>/confirm/", confirm.confirm_send, name="confirm_send"),
    path("releases/<int:pk>/send/", sending.send, name="send"),
    path("releases/<int:pk>/progress/", sending.progress, name="progress"),
    path("releases/<int:pk>/progress.json", sending.progress_json, name="progress_json"),
    path("releases/<int:pk>/retry/", sending.retry, name="retry"),
    path("releases/<int:pk>/pause/", sending.pause, name="pause"),
    path("releases/<int:pk>/resume/", sending.resume, name="resume"),
    path("releases/<int:pk>/cancel/", sending.cancel, name="cancel"),
    path("releases/<int:pk>/reach.json", reach.reach_json, name="reach_json"),
    path("releases/<int:pk>/reach.csv", reach.reach_csv, name="reach_csv"),
    path("audience/", audience.index, name="audience_index"),
    path("audience/<slug:city>/", audience.audience, name="audience"),
    path("audience/<slug:city>/export/<slug:list_slug>.csv", audience.export, name="audience_export"),
    path("audience/<slug:city>/import/", audience.import_csv, name="audience_import"),
    path("audience/<slug:city>/imports/<str:batch>/", audience.import_progress, name="audience_import_progress"),
    path("audience/<slug:city>/imports/<str:batch>/progress.json", audience.import_progress_json,
         name="audience_import_json"),
    path("reviewers/", people.roles, name="reviewers"),
    path("reviewers/<int:pk>/remove/", people.remove_role, name="remove_role"),
    path("notifications/", people.notifications, name="notifications"),
]
