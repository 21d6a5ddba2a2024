from django.urls import path

from samspill.people import views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/", views.me, name="me"),
    path("invite/", views.invite, name="invite"),
    path("language/", views.set_language, name="language"),
    path("invitation/<str:uidb64>/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/roles/", views.edit_roles, name="roles"),
    path("<int:pk>/skills/", views.edit_skills, name="skills"),
    path("<int:pk>/active/", views.set_active, name="set_active"),
    path("<int:pk>/resend-invitation/", views.resend_invitation, name="resend_invitation"),
    path("<int:pk>/tokens/", views.create_token, name="create_token"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
]
