from django.urls import URLPattern, URLResolver, path

from samspill.workspace import views

app_name = "workspace"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:target>/<int:object_id>/documents/", views.panel, name="panel"),
    path("<str:target>/<int:object_id>/documents/upload/", views.upload, name="upload"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/download/", views.download, name="download"),
    path("documents/<int:pk>/versions/", views.new_version, name="new_version"),
    path("documents/<int:pk>/versions/<int:number>/download/", views.download, name="version_download"),
    path("documents/<int:pk>/move/", views.move, name="move"),
    path("documents/<int:pk>/move/search/", views.move_search, name="move_search"),
    path("documents/<int:pk>/delete/", views.delete, name="delete"),
    path("recycle-bin/", views.recycle_bin, name="recycle_bin"),
    path("recycle-bin/<int:pk>/restore/", views.restore, name="restore"),
]
