from django.contrib import admin
from django.db import models

from samspill.customers.models import Contact, Customer, FrameworkAgreement
from samspill.lib.admin import ReadOnlyAdmin


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["name", "org_number", "segment", "account_owner", "archived_at"]
    search_fields = ["name", "org_number"]
    list_filter = ["segment"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["name", "customer", "email"]
    search_fields = ["name", "email"]


@admin.register(FrameworkAgreement)
class FrameworkAgreementAdmin(ReadOnlyAdmin):
    list_display = ["title", "customer", "status", "starts_on", "ends_on", "ceiling"]
    list_filter = ["status"]
