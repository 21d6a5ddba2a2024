from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samspill.customers.models import AgreementStatus, Contact, Customer, FrameworkAgreement, Segment
from samspill.customers.validators import normalise_org_number, validate_org_number
from samspill.lib.forms import QuickSelect, VersionField
from samspill.people.models import Person, Role

OWNER_ROLES = (Role.SELLER, Role.MANAGEMENT)
LEAD_ROLES = (Role.DELIVERY_MANAGER, Role.PROJECT_MANAGER, Role.MANAGEMENT)


def people_with(roles: tuple[str, ...], keep: Any = None) -> Any:
    """Active people holding one of `roles`, plus `keep` (the current value), for a short choice list."""
    wanted = Q(is_active=True, role_assignments__role__in=roles)
    if keep is not None:
        wanted |= Q(pk=keep)
    return Person.objects.filter(wanted).distinct().only("id", "first_name", "last_name", "username")


class PersonChoiceField(forms.ModelChoiceField):
    """A person by name; the choices are rendered in Python (lists of people run to hundreds)."""

    widget = QuickSelect

    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class CustomerForm(forms.ModelForm):
    version = VersionField()
    org_number = forms.CharField(
        label=_("Organisation number"),
        required=False,
        max_length=20,
        help_text=_("9 digits, e.g. 923 609 016. Leave empty for a foreign customer."),
    )
    account_owner = PersonChoiceField(
        label=_("Account owner"),
        queryset=people_with(OWNER_ROLES),
        required=False,
        help_text=_("A seller or someone in management."),
        empty_label=_("Nobody yet"),
    )
    delivery_lead = PersonChoiceField(
        label=_("Delivery lead"),
        queryset=people_with(LEAD_ROLES),
        required=False,
        help_text=_("A delivery manager or project manager."),
        empty_label=_("Nobody yet"),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Customer
        fields = [
            "name",
            "org_number",
            "segment",
            "industry",
            "account_owner",
            "delivery_lead",
            "street_address",
            "postal_code",
            "city",
            "website",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["org_number"] = self.instance.org_number_display
        # Keep today's owner and lead selectable even if they no longer hold the role.
        self.fields["account_owner"].queryset = people_with(  # type: ignore[attr-defined]
            OWNER_ROLES, self.instance.account_owner_id
        )
        self.fields["delivery_lead"].queryset = people_with(  # type: ignore[attr-defined]
            LEAD_ROLES, self.instance.delivery_lead_id
        )

    def clean_org_number(self) -> str:
        value = normalise_org_number(self.cleaned_data.get("org_number") or "")
        if value:
            validate_org_number(value)
        return value

    def _post_clean(self) -> None:
        # Validation of the whole object happens in the action; the form checks fields only.
        pass


class ContactForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Contact
        fields = ["name", "title", "email", "phone", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self) -> None:
        pass


RATE_ROLES = list(Role)


class AgreementForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = FrameworkAgreement
        fields = [
            "title",
            "reference",
            "status",
            "starts_on",
            "ends_on",
            "extension_count",
            "extension_months",
            "ceiling",
            "notes",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "ceiling": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args: Any, rates: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("starts_on", "ends_on"):
            self.fields[name].input_formats = ["%Y-%m-%d", "%d.%m.%Y"]  # type: ignore[attr-defined]
        ceiling = self.instance.ceiling
        if self.instance.pk and not self.is_bound and ceiling == ceiling.to_integral_value():
            self.initial["ceiling"] = ceiling.quantize(Decimal(1))  # 12000000, not 12000000.00
        for role in RATE_ROLES:
            self.fields[f"rate_{role}"] = forms.DecimalField(
                label=_("Hourly rate: %(role)s") % {"role": Role(role).label},
                required=False,
                min_value=0,
                max_value=100000,
                decimal_places=2,
                initial=(rates or {}).get(role),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The agreement must end after it starts."))
        return data

    def rates(self) -> dict[str, Any]:
        return {role: self.cleaned_data.get(f"rate_{role}") for role in RATE_ROLES}

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or []}

    def _post_clean(self) -> None:
        pass


SORTS = {
    "name": ("name", _("Name")),
    "-name": ("-name", _("Name")),
    "org": ("org_number", _("Organisation number")),
    "city": ("city", _("City")),
    "-updated": ("-updated_at", _("Recently changed")),
}


class CustomerFilter(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, org. no. or city")}),
    )
    segment = forms.ChoiceField(
        label=_("Segment"), choices=[("", _("All segments")), *Segment.choices], required=False
    )
    owner = PersonChoiceField(
        label=_("Account owner"), queryset=people_with(OWNER_ROLES), required=False, empty_label=_("Anybody")
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    archived = forms.BooleanField(label=_("Show archived"), required=False)
    sort = forms.ChoiceField(choices=[(k, v[1]) for k, v in SORTS.items()], required=False)


class AgreementFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *AgreementStatus.choices], required=False
    )
    expiring = forms.BooleanField(label=_("Ends within 6 months"), required=False)


class ContactFilter(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, e-mail, title or customer")}),
    )
    mine = forms.BooleanField(label=_("Only my customers"), required=False)
    archived = forms.BooleanField(label=_("Show archived"), required=False)
