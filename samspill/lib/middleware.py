"""Everything needs a login except the few public paths ARCHITECTURE.md names."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

# The API authenticates each request itself (token or session) and answers 401, never a redirect.
PUBLIC_PREFIXES = ("/healthz", "/accounts/", "/api/", "/static/", "/people/invitation/", "/i18n/")


class LoginRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
