from django.contrib import admin
from django.urls import include, path

from samspill.api import api
from samspill.lib import views

admin.site.site_header = "Samspill"
admin.site.site_title = "Samspill"

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("people/", include("samspill.people.urls")),
    path("customers/", include("samspill.customers.urls")),
    path("pipeline/", include("samspill.pipeline.urls")),
    path("projects/", include("samspill.delivery.urls")),
    path("handovers/", include("samspill.handover.urls")),
    path("workspace/", include("samspill.workspace.urls")),
    path("search/", include("samspill.workspace.search.urls")),
]
