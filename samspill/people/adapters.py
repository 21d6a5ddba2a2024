"""Accounts are created by invitation only; nobody signs up on their own."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        user = context.get("user")
        from django.utils.translation import override

        with override(getattr(user, "language", None) or "nb"):
            super().send_mail(template_prefix, email, context)
