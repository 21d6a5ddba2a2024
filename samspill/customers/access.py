"""Who may see and change customers, contacts and framework agreements: written once, here."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404

from samspill.customers.models import Contact, Customer, FrameworkAgreement
from samspill.lib.errors import NotAllowed
from samspill.people.models import Role, is_administrator

M = TypeVar("M", bound=models.Model)

EDITOR_ROLES = (Role.SELLER, Role.MANAGEMENT, Role.ADMINISTRATOR)


def can_edit_customers(user: Any) -> bool:
    """Sellers, management and administrators change customers, contacts and agreements."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_administrator(user) or user.has_role(*EDITOR_ROLES)


def can_change(user: Any, obj: models.Model) -> bool:
    return can_edit_customers(user)


def _get_for(model: type[M], user: Any, pk: Any, write: bool) -> M:
    try:
        obj = model._default_manager.visible_to(user).get(pk=pk)  # type: ignore[attr-defined]
    except (model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
        raise Http404 from None
    if write and not can_change(user, obj):
        raise NotAllowed("You may read this but not change it.")
    return obj


def get_customer_for(user: Any, pk: Any, *, write: bool = False) -> Customer:
    """Return the customer `user` may see (404 otherwise); with write=True, refuse non-editors."""
    return _get_for(Customer, user, pk, write)


def get_contact_for(user: Any, pk: Any, *, write: bool = False) -> Contact:
    return _get_for(Contact, user, pk, write)


def get_agreement_for(user: Any, pk: Any, *, write: bool = False) -> FrameworkAgreement:
    return _get_for(FrameworkAgreement, user, pk, write)
