from django.urls import path

app_name = "handover"

urlpatterns: list = [
    path("<int:pk>/", lambda request, pk: None, name="handover"),  # replaced by the handover page
]
