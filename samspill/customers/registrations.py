"""What the customers app adds to shared pages, search, feeds and access."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samspill.activity.feeds import within
from samspill.customers.access import can_change, can_edit_customers
from samspill.customers.models import Contact, Customer, FrameworkAgreement
from samspill.lib import registry


def _contacts_panel(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {
        "contacts": customer.contacts.active(),
        "can_edit": can_edit_customers(request.user),
        "customer": customer,
    }


def _agreements_panel(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {
        "agreements": customer.agreements.active().prefetch_related("rates"),
        "can_edit": can_edit_customers(request.user),
        "customer": customer,
        "today": timezone.localdate(),
    }


def _my_customers(request: HttpRequest) -> dict[str, Any] | None:
    mine = (
        Customer.objects.visible_to(request.user)
        .active()
        .of(request.user)
        .select_related("account_owner", "delivery_lead")
        .order_by("name")
    )
    count = mine.count()
    if not count:
        return None
    return {"customers": mine[:8], "count": count}


def _agreements_ending(request: HttpRequest) -> dict[str, Any] | None:
    today = timezone.localdate()
    ending = (
        FrameworkAgreement.objects.visible_to(request.user)
        .active()
        .filter(ends_on__gte=today, ends_on__lte=today + datetime.timedelta(days=183))
        .filter(customer__in=Customer.objects.of(request.user))
        .select_related("customer")
        .order_by("ends_on")[:8]
    )
    ending = list(ending)
    return {"agreements": ending, "today": today} if ending else None


registry.register_panel(
    Customer,
    key="customers.agreements",
    template="customers/panel_agreements.html",
    context=_agreements_panel,
    order=20,
)
registry.register_panel(
    Customer,
    key="customers.contacts",
    template="customers/panel_contacts.html",
    context=_contacts_panel,
    order=30,
)
registry.register_start_item(
    key="customers.mine", template="customers/start_customers.html", context=_my_customers, order=50
)
registry.register_start_item(
    key="customers.agreements_ending",
    template="customers/start_agreements.html",
    context=_agreements_ending,
    order=40,
)
registry.register_feed_source(Customer, within)

for model in (Customer, Contact, FrameworkAgreement):
    registry.register_access(model, visible_to=model.objects.visible_to, can_change=can_change)

registry.register_search_source(
    registry.SearchSource(
        key="customers",
        label=_("Customers"),
        model=Customer,
        fields=("name", "org_number", "city", "industry", "notes"),
        visible_to=lambda user: Customer.objects.visible_to(user),
        title="name",
        customer="pk",
        date="updated_at",
        icon="building",
    )
)
registry.register_search_source(
    registry.SearchSource(
        key="contacts",
        label=_("Contacts"),
        model=Contact,
        fields=("name", "title", "email", "notes"),
        visible_to=lambda user: Contact.objects.visible_to(user),
        title="name",
        customer="customer_id",
        date="updated_at",
        # The customer's page lists its contacts for everybody; the contact's own page is for editors.
        url=lambda contact: contact.customer.get_absolute_url(),
        select_related=("customer",),
        icon="person-lines-fill",
    )
)

registry.register_verbs(
    {
        "customer.created": _("%(actor)s created the customer %(object)s"),
        "customer.updated": _("%(actor)s changed the customer %(object)s"),
        "customer.archived": _("%(actor)s archived the customer %(object)s"),
        "customer.restored": _("%(actor)s restored the customer %(object)s"),
        "contact.created": _("%(actor)s added the contact %(object)s"),
        "contact.updated": _("%(actor)s changed the contact %(object)s"),
        "contact.archived": _("%(actor)s archived the contact %(object)s"),
        "agreement.created": _("%(actor)s registered the framework agreement %(object)s"),
        "agreement.updated": _("%(actor)s changed the framework agreement %(object)s"),
        "agreement.archived": _("%(actor)s archived the framework agreement %(object)s"),
    }
)
