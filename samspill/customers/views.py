"""Customer, contact and framework agreement pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samspill.customers import actions
from samspill.customers.access import (
    can_edit_customers,
    get_agreement_for,
    get_contact_for,
    get_customer_for,
)
from samspill.customers.forms import (
    SORTS,
    AgreementFilter,
    AgreementForm,
    ContactFilter,
    ContactForm,
    CustomerFilter,
    CustomerForm,
)
from samspill.customers.models import Contact, Customer, FrameworkAgreement
from samspill.lib.errors import ActionError
from samspill.lib.forms import apply_action
from samspill.lib.listing import sorted_page


def _require_editor(request: HttpRequest) -> None:
    if not can_edit_customers(request.user):
        raise Http404


def filtered_customers(request: HttpRequest) -> tuple[Any, CustomerFilter]:
    """Return the customers the list shows for the request's filters, and the filter form."""
    filters = CustomerFilter(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    customers = Customer.objects.visible_to(request.user).select_related("account_owner", "delivery_lead")
    customers = customers.archived() if data.get("archived") else customers.active()
    if q := (data.get("q") or "").strip():
        digits = q.replace(" ", "")
        match = Q(name__icontains=q) | Q(city__icontains=q) | Q(industry__icontains=q)
        if digits.isdigit():
            match |= Q(org_number__startswith=digits)
        customers = customers.filter(match)
    if data.get("segment"):
        customers = customers.filter(segment=data["segment"])
    if data.get("owner"):
        customers = customers.filter(account_owner=data["owner"])
    if data.get("mine"):
        customers = customers.of(request.user)
    sort = data.get("sort") or "name"
    return customers.order_by(SORTS.get(sort, SORTS["name"])[0], "pk"), filters


def customer_list(request: HttpRequest) -> HttpResponse:
    """All customers, searchable, filterable, sortable and paged."""
    customers, filters = filtered_customers(request)
    page = Paginator(customers, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/list.html",
        {
            "page": page,
            "filters": filters if request.GET else CustomerFilter(),
            "sort": request.GET.get("sort") or "name",
            "can_edit": can_edit_customers(request.user),
        },
    )


def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Where we stand with one customer: agreements, contacts and what other apps register."""
    customer = get_customer_for(request.user, pk)
    from samspill.activity.feeds import feed_for

    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "can_edit": can_edit_customers(request.user),
            "feed": feed_for(customer, request.user, limit=15),
        },
    )


def customer_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = CustomerForm(request.POST or None, initial={"account_owner": request.user})
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        customer = apply_action(form, lambda: actions.create_customer(fields, by=request.user))
        if customer:
            messages.success(request, _("The customer %(name)s was created.") % {"name": customer.name})
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": None})


def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    _require_editor(request)
    form = CustomerForm(
        request.POST or None,
        instance=Customer.objects.get(pk=customer.pk),
        initial={"version": customer.version},
    )
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        if apply_action(
            form,
            lambda: actions.update_customer(
                customer, changes, by=request.user, version=form.cleaned_data["version"]
            ),
        ):
            messages.success(request, _("The customer was saved."))
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@require_POST
def customer_archive(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    _require_editor(request)
    try:
        if request.POST.get("restore"):
            actions.restore_customer(customer, by=request.user)
            messages.success(request, _("The customer was restored."))
        else:
            actions.archive_customer(customer, by=request.user)
            messages.success(
                request, _("The customer was archived. Nothing was deleted; you can restore it.")
            )
    except ActionError as error:
        messages.error(request, error.message)
    return redirect(customer)


def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    _require_editor(request)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        if apply_action(form, lambda: actions.create_contact(customer, fields, by=request.user)):
            messages.success(request, _("The contact was added."))
            return redirect(customer)
    return render(
        request, "customers/contact_form.html", {"form": form, "customer": customer, "contact": None}
    )


def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_contact_for(request.user, pk)
    _require_editor(request)
    form = ContactForm(
        request.POST or None,
        instance=type(contact).objects.get(pk=contact.pk),
        initial={"version": contact.version},
    )
    if request.method == "POST":
        if "archive" in request.POST:
            actions.archive_contact(contact, by=request.user)
            messages.success(request, _("The contact was archived."))
            return redirect(contact.customer)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            if apply_action(
                form,
                lambda: actions.update_contact(
                    contact, changes, by=request.user, version=form.cleaned_data["version"]
                ),
            ):
                messages.success(request, _("The contact was saved."))
                return redirect(contact.customer)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": contact.customer, "contact": contact},
    )


AGREEMENT_COLUMNS = {"title": "title", "customer": "customer__name", "ceiling": "ceiling", "ends": "ends_on"}


def agreement_list(request: HttpRequest) -> HttpResponse:
    """All framework agreements, soonest ending first."""
    filters = AgreementFilter(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    agreements = FrameworkAgreement.objects.visible_to(request.user).active().select_related("customer")
    if q := (data.get("q") or "").strip():
        agreements = agreements.filter(
            Q(title__icontains=q) | Q(customer__name__icontains=q) | Q(reference__icontains=q)
        )
    if data.get("status"):
        agreements = agreements.filter(status=data["status"])
    if data.get("expiring"):
        today = timezone.localdate()
        agreements = agreements.filter(ends_on__gte=today, ends_on__lte=today + datetime.timedelta(days=183))
    page, sort = sorted_page(request, agreements, AGREEMENT_COLUMNS, "ends")
    return render(
        request,
        "customers/agreement_list.html",
        {
            "page": page,
            "filters": filters if request.GET else AgreementFilter(),
            "today": timezone.localdate(),
            "sort": sort,
        },
    )


CONTACT_COLUMNS = {"name": "name", "customer": "customer__name", "title": "title"}


def contact_list(request: HttpRequest) -> HttpResponse:
    """Everybody we talk to at our customers, searchable by name, e-mail, title or customer."""
    filters = ContactFilter(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    contacts = Contact.objects.visible_to(request.user).select_related("customer")
    contacts = contacts.archived() if data.get("archived") else contacts.active()
    if q := (data.get("q") or "").strip():
        contacts = contacts.filter(
            Q(name__icontains=q)
            | Q(email__icontains=q)
            | Q(title__icontains=q)
            | Q(customer__name__icontains=q)
        )
    if data.get("mine"):
        contacts = contacts.filter(customer__in=Customer.objects.of(request.user))
    page, sort = sorted_page(request, contacts, CONTACT_COLUMNS, "name")
    return render(
        request,
        "customers/contact_list.html",
        {
            "page": page,
            "filters": filters if request.GET else ContactFilter(),
            "sort": sort,
            "can_edit": can_edit_customers(request.user),
        },
    )


def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for(request.user, pk)
    from samspill.activity.feeds import feed_for

    return render(
        request,
        "customers/agreement_detail.html",
        {
            "agreement": agreement,
            "rates": agreement.rates.all(),
            "can_edit": can_edit_customers(request.user),
            "today": timezone.localdate(),
            "feed": feed_for(agreement, request.user, limit=10),
        },
    )


def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    _require_editor(request)
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        agreement = apply_action(
            form,
            lambda: actions.create_agreement(customer, form.changes(), rates=form.rates(), by=request.user),
        )
        if agreement:
            messages.success(request, _("The framework agreement was created."))
            return redirect(agreement)
    return render(
        request, "customers/agreement_form.html", {"form": form, "customer": customer, "agreement": None}
    )


def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for(request.user, pk)
    _require_editor(request)
    rates = {r.role: r.hourly_rate for r in agreement.rates.all()}
    form = AgreementForm(
        request.POST or None,
        instance=FrameworkAgreement.objects.get(pk=agreement.pk),
        rates=rates,
        initial={"version": agreement.version},
    )
    if request.method == "POST":
        if "archive" in request.POST:
            actions.archive_agreement(agreement, by=request.user)
            messages.success(request, _("The agreement was archived."))
            return redirect(agreement.customer)
        if form.is_valid():
            saved = apply_action(
                form,
                lambda: actions.update_agreement(
                    agreement,
                    form.changes(),
                    rates=form.rates(),
                    by=request.user,
                    version=form.cleaned_data["version"],
                ),
            )
            if saved is not None:
                messages.success(request, _("The framework agreement was saved."))
                return redirect(agreement)
    return render(
        request,
        "customers/agreement_form.html",
        {"form": form, "customer": agreement.customer, "agreement": agreement},
    )
