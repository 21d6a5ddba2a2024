"""WebSocket routes; the real-time consumers register here as the apps that own them land."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
