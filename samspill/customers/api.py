"""API: customers, contacts and framework agreements."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import EmailStr, HttpUrl

from samspill.customers import actions
from samspill.customers.access import get_agreement_for, get_contact_for, get_customer_for
from samspill.customers.models import (
    AgreementRate,
    AgreementStatus,
    Contact,
    Customer,
    FrameworkAgreement,
    Segment,
)
from samspill.lib.api import MAX_ID, ErrorOut, Id, Page, Text, Version, paged
from samspill.lib.errors import InvalidInput
from samspill.people.models import Person, Role

router = Router()
ERRORS: dict[int | frozenset[int], Any] = {frozenset({403, 404, 409, 422}): ErrorOut}
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**9)
ID_FILTER = Query(None, ge=1, le=MAX_ID)


class PersonRef(Schema):
    id: int
    name: str


class CustomerOut(Schema):
    id: int
    name: str
    org_number: str
    segment: str
    industry: str
    street_address: str
    postal_code: str
    city: str
    website: str
    account_owner: PersonRef | None
    delivery_lead: PersonRef | None
    notes: str
    archived_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


class CustomerIn(Schema):
    name: Text = Field(..., min_length=1, max_length=200)
    org_number: Text = Field("", max_length=20, description="9 digits with a valid mod-11 check digit")
    segment: Segment | None = None
    industry: Text = Field("", max_length=100)
    street_address: Text = Field("", max_length=200)
    postal_code: Text = Field("", max_length=4)
    city: Text = Field("", max_length=100)
    website: HttpUrl | None = None
    account_owner_id: Id | None = None
    delivery_lead_id: Id | None = None
    notes: Text = Field("", max_length=10000)


class CustomerPatch(Schema):
    version: Version
    name: Text | None = Field(None, min_length=1, max_length=200)
    org_number: Text | None = Field(None, max_length=20)
    segment: Segment | None = None
    industry: Text | None = Field(None, max_length=100)
    street_address: Text | None = Field(None, max_length=200)
    postal_code: Text | None = Field(None, max_length=4)
    city: Text | None = Field(None, max_length=100)
    website: HttpUrl | None = None
    account_owner_id: Id | None = None
    delivery_lead_id: Id | None = None
    notes: Text | None = Field(None, max_length=10000)


def _person(person_id: int | None, field: str) -> Person | None:
    if person_id is None:
        return None
    person = Person.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise InvalidInput({field: [f"No active person has id {person_id}."]})
    return person


def _customer_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    for ref in ("account_owner", "delivery_lead"):
        if f"{ref}_id" in fields:
            fields[ref] = _person(fields.pop(f"{ref}_id"), ref)
    if "segment" in fields:
        fields["segment"] = fields["segment"].value if fields["segment"] else ""
    if "website" in fields:
        fields["website"] = str(fields["website"]) if fields["website"] else ""
    for name, value in list(fields.items()):
        if value is None and name not in ("account_owner", "delivery_lead"):
            fields[name] = ""
    return fields


class CustomerFilter(Schema):
    q: Text | None = None
    name: Text | None = None
    org_number: Text | None = None
    segment: Segment | None = None
    account_owner: Id | None = None
    archived: bool = False


def _customers(user: Any) -> Any:
    return Customer.objects.visible_to(user).select_related("account_owner", "delivery_lead")


@router.get("/customers", response=Page[CustomerOut], tags=["customers"])
def list_customers(
    request: HttpRequest, filters: Query[CustomerFilter], limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    customers = _customers(request.user)
    customers = customers.archived() if filters.archived else customers.active()
    if filters.q:
        customers = customers.filter(
            Q(name__icontains=filters.q) | Q(org_number__startswith=filters.q) | Q(city__icontains=filters.q)
        )
    if filters.name:
        customers = customers.filter(name__icontains=filters.name)
    if filters.org_number:
        customers = customers.filter(org_number=filters.org_number.replace(" ", ""))
    if filters.segment:
        customers = customers.filter(segment=filters.segment)
    if filters.account_owner:
        customers = customers.filter(account_owner_id=filters.account_owner)
    return paged(customers.order_by("name", "pk"), limit, offset)


@router.post("/customers", response={201: CustomerOut, **ERRORS}, tags=["customers"])
def create_customer(request: HttpRequest, data: CustomerIn) -> Any:
    customer = actions.create_customer(_customer_fields(data.dict()), by=request.user)
    return Status(201, _customers(request.user).get(pk=customer.pk))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, tags=["customers"])
def get_customer(request: HttpRequest, customer_id: int) -> Any:
    return _customers(request.user).get(pk=get_customer_for(request.user, customer_id).pk)


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, tags=["customers"])
def update_customer(request: HttpRequest, customer_id: int, data: CustomerPatch) -> Any:
    customer = get_customer_for(request.user, customer_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    actions.update_customer(customer, _customer_fields(changes), by=request.user, version=version)
    return _customers(request.user).get(pk=customer.pk)


class VersionIn(Schema):
    version: Version | None = None


@router.post("/customers/{customer_id}/archive", response={200: CustomerOut, **ERRORS}, tags=["customers"])
def archive_customer(request: HttpRequest, customer_id: int, data: VersionIn | None = None) -> Any:
    customer = get_customer_for(request.user, customer_id, write=True)
    actions.archive_customer(customer, by=request.user, version=data.version if data else None)
    return _customers(request.user).get(pk=customer.pk)


@router.post("/customers/{customer_id}/restore", response={200: CustomerOut, **ERRORS}, tags=["customers"])
def restore_customer(request: HttpRequest, customer_id: int, data: VersionIn | None = None) -> Any:
    customer = get_customer_for(request.user, customer_id, write=True)
    actions.restore_customer(customer, by=request.user, version=data.version if data else None)
    return _customers(request.user).get(pk=customer.pk)


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    email: str
    phone: str
    notes: str
    archived_at: datetime.datetime | None
    version: int


class ContactIn(Schema):
    customer_id: Id
    name: Text = Field(..., min_length=1, max_length=200)
    title: Text = Field("", max_length=100)
    email: EmailStr | None = None
    phone: Text = Field("", max_length=30)
    notes: Text = Field("", max_length=10000)


class ContactPatch(Schema):
    version: Version
    name: Text | None = Field(None, min_length=1, max_length=200)
    title: Text | None = Field(None, max_length=100)
    email: EmailStr | None = None
    phone: Text | None = Field(None, max_length=30)
    notes: Text | None = Field(None, max_length=10000)


def _blank_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None else str(v) if k == "email" else v) for k, v in fields.items()}


@router.get("/contacts", response=Page[ContactOut], tags=["contacts"])
def list_contacts(
    request: HttpRequest,
    customer: int | None = ID_FILTER,
    q: Text | None = None,
    archived: bool = False,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    contacts = Contact.objects.visible_to(request.user)
    contacts = contacts.archived() if archived else contacts.active()
    if customer:
        contacts = contacts.filter(customer_id=customer)
    if q:
        contacts = contacts.filter(Q(name__icontains=q) | Q(email__icontains=q))
    return paged(contacts.order_by("name", "pk"), limit, offset)


@router.post("/contacts", response={201: ContactOut, **ERRORS}, tags=["contacts"])
def create_contact(request: HttpRequest, data: ContactIn) -> Any:
    fields = data.dict()
    customer = get_customer_for(request.user, fields.pop("customer_id"), write=True)
    return Status(201, actions.create_contact(customer, _blank_none(fields), by=request.user))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def get_contact(request: HttpRequest, contact_id: int) -> Any:
    return get_contact_for(request.user, contact_id)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def update_contact(request: HttpRequest, contact_id: int, data: ContactPatch) -> Any:
    contact = get_contact_for(request.user, contact_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    return actions.update_contact(contact, _blank_none(changes), by=request.user, version=version)


@router.post("/contacts/{contact_id}/archive", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def archive_contact(request: HttpRequest, contact_id: int, data: VersionIn | None = None) -> Any:
    contact = get_contact_for(request.user, contact_id, write=True)
    return actions.archive_contact(contact, by=request.user, version=data.version if data else None)


class AgreementOut(Schema):
    id: int
    customer_id: int
    title: str
    reference: str
    starts_on: datetime.date
    ends_on: datetime.date
    latest_end: datetime.date
    extension_count: int
    extension_months: int
    ceiling: Decimal
    status: str
    rates: dict[str, Decimal]
    notes: str
    archived_at: datetime.datetime | None
    version: int

    @staticmethod
    def resolve_rates(obj: FrameworkAgreement) -> dict[str, Decimal]:
        return {rate.role: rate.hourly_rate for rate in obj.rates.all()}


Money = Field(..., ge=0, max_digits=14, decimal_places=2)
Rate = Annotated[Decimal, Field(ge=0, le=100000, decimal_places=2)]


class AgreementIn(Schema):
    customer_id: Id
    title: Text = Field(..., min_length=1, max_length=200)
    reference: Text = Field("", max_length=100)
    starts_on: datetime.date
    ends_on: datetime.date
    extension_count: int = Field(0, ge=0, le=20)
    extension_months: int = Field(12, ge=1, le=120)
    ceiling: Decimal = Money
    status: AgreementStatus = AgreementStatus.ACTIVE
    rates: dict[Role, Rate] = Field(default_factory=dict, description="Role → hourly rate (NOK)")
    notes: Text = Field("", max_length=10000)


class AgreementPatch(Schema):
    version: Version
    title: Text | None = Field(None, min_length=1, max_length=200)
    reference: Text | None = Field(None, max_length=100)
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    extension_count: int | None = Field(None, ge=0, le=20)
    extension_months: int | None = Field(None, ge=1, le=120)
    ceiling: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    status: AgreementStatus | None = None
    rates: dict[Role, Rate] | None = None
    notes: Text | None = Field(None, max_length=10000)


def _agreements(user: Any) -> Any:
    return FrameworkAgreement.objects.visible_to(user).prefetch_related(
        Prefetch("rates", queryset=AgreementRate.objects.order_by("role"))
    )


def _agreement_fields(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    rates = data.pop("rates", None)
    if "status" in data and data["status"] is not None:
        data["status"] = data["status"].value
    for name in [k for k, v in data.items() if v is None]:
        raise InvalidInput({name: ["This field cannot be empty."]})
    return data, ({getattr(k, "value", k): v for k, v in rates.items()} if rates is not None else None)


@router.get("/framework-agreements", response=Page[AgreementOut], tags=["framework-agreements"])
def list_agreements(
    request: HttpRequest,
    customer: int | None = ID_FILTER,
    status: AgreementStatus | None = None,
    ends_before: datetime.date | None = None,
    archived: bool = False,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    agreements = _agreements(request.user)
    agreements = agreements.archived() if archived else agreements.active()
    if customer:
        agreements = agreements.filter(customer_id=customer)
    if status:
        agreements = agreements.filter(status=status)
    if ends_before:
        agreements = agreements.filter(ends_on__lt=ends_before)
    return paged(agreements.order_by("ends_on", "pk"), limit, offset)


@router.post("/framework-agreements", response={201: AgreementOut, **ERRORS}, tags=["framework-agreements"])
def create_agreement(request: HttpRequest, data: AgreementIn) -> Any:
    fields, rates = _agreement_fields(data.dict())
    customer = get_customer_for(request.user, fields.pop("customer_id"), write=True)
    agreement = actions.create_agreement(customer, fields, rates=rates, by=request.user)
    return Status(201, _agreements(request.user).get(pk=agreement.pk))


@router.get(
    "/framework-agreements/{agreement_id}",
    response={200: AgreementOut, **ERRORS},
    tags=["framework-agreements"],
)
def get_agreement(request: HttpRequest, agreement_id: int) -> Any:
    return _agreements(request.user).get(pk=get_agreement_for(request.user, agreement_id).pk)


@router.patch(
    "/framework-agreements/{agreement_id}",
    response={200: AgreementOut, **ERRORS},
    tags=["framework-agreements"],
)
def update_agreement(request: HttpRequest, agreement_id: int, data: AgreementPatch) -> Any:
    agreement = get_agreement_for(request.user, agreement_id, write=True)
    changes = data.dict(exclude_unset=True)
    version = changes.pop("version")
    fields, rates = _agreement_fields(changes)
    actions.update_agreement(agreement, fields, rates=rates, by=request.user, version=version)
    return _agreements(request.user).get(pk=agreement.pk)


@router.post(
    "/framework-agreements/{agreement_id}/archive",
    response={200: AgreementOut, **ERRORS},
    tags=["framework-agreements"],
)
def archive_agreement(request: HttpRequest, agreement_id: int, data: VersionIn | None = None) -> Any:
    agreement = get_agreement_for(request.user, agreement_id, write=True)
    actions.archive_agreement(agreement, by=request.user, version=data.version if data else None)
    return _agreements(request.user).get(pk=agreement.pk)
