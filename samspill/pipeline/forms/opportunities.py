"""Forms of the opportunity pages: the opportunity, its stage changes, its team and expectations, filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from samspill.customers.forms import PersonChoiceField
from samspill.customers.models import Contact, Customer, FrameworkAgreement
from samspill.lib.forms import VersionField
from samspill.people.models import Person, Role, Skill
from samspill.pipeline.actions.estimates import role_rate_field
from samspill.pipeline.actions.opportunities import OPPORTUNITY_FIELDS
from samspill.pipeline.models import (
    CLOSED_STAGES,
    OPEN_STAGES,
    Expectation,
    ExpectationStatus,
    LostReason,
    Opportunity,
    ProjectType,
    Stage,
    TeamRole,
)

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
OWNER_ROLES = (Role.SELLER, Role.MANAGEMENT)


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def active_people(keep: Any = None) -> Any:
    """Everybody active, plus `keep` (today's value), for person pickers."""
    wanted = Q(is_active=True)
    if keep is not None:
        wanted |= Q(pk=keep)
    return Person.objects.filter(wanted).only("id", "first_name", "last_name", "username")


def owners(keep: Any = None) -> Any:
    """Sellers and management (who own opportunities), plus `keep`."""
    wanted = Q(is_active=True, role_assignments__role__in=OWNER_ROLES)
    if keep is not None:
        wanted |= Q(pk=keep)
    return Person.objects.filter(wanted).distinct().only("id", "first_name", "last_name", "username")


class AgreementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.customer.name})" if self.show_customer else obj.title  # type: ignore[attr-defined]


class TagsField(forms.CharField):
    """Tags typed as one line, separated by commas."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [t.strip() for t in text.split(",") if t.strip()]


class OpportunityForm(forms.ModelForm):
    """Create or edit an opportunity; on create it also names the first team members."""

    version = VersionField()
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), empty_label=_("Choose the customer")
    )
    agreement = AgreementChoiceField(
        label=_("Framework agreement"),
        queryset=FrameworkAgreement.objects.none(),
        required=False,
        empty_label=_("None: not a call-off"),
        help_text=_(
            "Fill in when this is a call-off under a framework agreement: its rates fill in the estimate."
        ),
    )
    tags = TagsField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate with commas, e.g. portal, Azure."),
    )
    required_skills = forms.ModelMultipleChoiceField(
        label=_("Required skills"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    value = forms.DecimalField(
        label=_("Value (NOK excl. VAT)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "1000", "min": "0", "inputmode": "decimal"}),
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty to use the stage's default."),
    )
    owner = PersonChoiceField(label=_("Owner"), queryset=Person.objects.none())
    solution_lead = PersonChoiceField(
        label=_("Solution lead"), queryset=Person.objects.none(), required=False, empty_label=_("Nobody yet")
    )
    project_manager = PersonChoiceField(
        label=_("Project manager candidate"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
        help_text=_("Delivery is on the team from day one."),
    )

    class Meta:
        model = Opportunity
        fields = OPPORTUNITY_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "expected_start": _date_widget(),
            "offer_due": _date_widget(),
        }

    def __init__(self, *args: Any, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        creating = instance.pk is None
        for name in ("expected_start", "offer_due"):
            self.fields[name].input_formats = DATE_FORMATS  # type: ignore[attr-defined]
        customers = Customer.objects.active()
        if not creating:
            customers = Customer.objects.filter(Q(archived_at__isnull=True) | Q(pk=instance.customer_id))
        self.fields["customer"].queryset = customers  # type: ignore[attr-defined]
        chosen = self._chosen_customer(customer)
        agreements = FrameworkAgreement.objects.active().select_related("customer")
        if chosen is not None:
            agreements = agreements.filter(customer_id=chosen)
        if not creating and instance.agreement_id:
            agreements = agreements | FrameworkAgreement.objects.filter(pk=instance.agreement_id)
        agreement_field = self.fields["agreement"]
        agreement_field.queryset = agreements.order_by("customer__name", "title")  # type: ignore[attr-defined]
        agreement_field.show_customer = chosen is None  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners(instance.owner_id if not creating else None)  # type: ignore[attr-defined]
        self.fields["probability"].required = not creating
        if creating:
            self.fields["solution_lead"].queryset = active_people()  # type: ignore[attr-defined]
            delivery = [Role.PROJECT_MANAGER, Role.DELIVERY_MANAGER]
            managers = active_people().filter(role_assignments__role__in=delivery).distinct()
            self.fields["project_manager"].queryset = managers  # type: ignore[attr-defined]
        else:
            del self.fields["solution_lead"]
            del self.fields["project_manager"]
            self.initial.setdefault("required_skills", [s.pk for s in instance.required_skills.all()])
            if instance.value == instance.value.to_integral_value():
                self.initial["value"] = instance.value.quantize(1)

    def _chosen_customer(self, customer: Customer | None) -> Any:
        if self.is_bound:
            raw = self.data.get(self.add_prefix("customer"))
            return int(raw) if raw and str(raw).isdigit() else None
        if customer is not None:
            self.initial["customer"] = customer.pk
            return customer.pk
        return self.instance.customer_id if self.instance.pk else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agreement, customer = data.get("agreement"), data.get("customer")
        if agreement is not None and customer is not None and agreement.customer_id != customer.pk:
            self.add_error("agreement", _("This agreement is with another customer."))
        return data

    def changes(self) -> dict[str, Any]:
        """The opportunity's own fields as cleaned (a missing probability is left to the stage)."""
        changes = {name: self.cleaned_data[name] for name in OPPORTUNITY_FIELDS if name in self.cleaned_data}
        if changes.get("probability") is None:
            changes.pop("probability", None)
        return changes

    def team(self) -> list[tuple[Any, str]]:
        found = []
        if self.cleaned_data.get("solution_lead"):
            found.append((self.cleaned_data["solution_lead"], TeamRole.SOLUTION_LEAD.value))
        if self.cleaned_data.get("project_manager"):
            found.append((self.cleaned_data["project_manager"], TeamRole.PROJECT_MANAGER.value))
        return found

    def _post_clean(self) -> None:
        # The action validates the whole opportunity; the form checks fields only.
        pass


class MoveForm(forms.Form):
    version = VersionField()
    stage = forms.ChoiceField(label=_("Move to"), choices=[(s.value, s.label) for s in OPEN_STAGES])
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty to use the new stage's default."),
    )
    override_reason = forms.CharField(
        label=_("Reason to pass the review gate"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Management only: why this offer may go out without a finished review. It is logged."),
    )


class WinForm(forms.Form):
    version = VersionField()
    decided_on = forms.DateField(
        label=_("Decided on"), input_formats=DATE_FORMATS, widget=_date_widget(), required=False
    )
    override_reason = forms.CharField(
        label=_("Reason to pass the review gate"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Management only, when the opportunity never went through the review."),
    )


class LoseForm(forms.Form):
    version = VersionField()
    reason = forms.ChoiceField(label=_("Why did we lose?"), choices=[("", "—"), *LostReason.choices])
    note = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the customer said, who won, what we would do differently."),
    )
    decided_on = forms.DateField(
        label=_("Decided on"), input_formats=DATE_FORMATS, widget=_date_widget(), required=False
    )


class TeamMemberForm(forms.Form):
    person = PersonChoiceField(
        label=_("Person"), queryset=Person.objects.none(), empty_label=_("Choose a person")
    )
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = active_people()  # type: ignore[attr-defined]


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}, {obj.title}" if obj.title else obj.name


class ExpectationForm(forms.ModelForm):
    version = VersionField()
    agreed_by = PersonChoiceField(
        label=_("Agreed by (us)"), queryset=Person.objects.none(), required=False, empty_label=_("Nobody yet")
    )
    agreed_with = ContactChoiceField(
        label=_("Agreed with (customer)"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
    )

    class Meta:
        model = Expectation
        fields = [
            "kind",
            "customer_words",
            "source",
            "source_note",
            "acceptance_criteria",
            "agreed_by",
            "agreed_with",
            "agreed_on",
            "status",
        ]
        widgets = {
            "customer_words": forms.Textarea(attrs={"rows": 2}),
            "acceptance_criteria": forms.Textarea(attrs={"rows": 2}),
            "agreed_on": _date_widget(),
        }

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreed_on"].input_formats = DATE_FORMATS  # type: ignore[attr-defined]
        self.fields["agreed_by"].queryset = active_people(self.instance.agreed_by_id)  # type: ignore[attr-defined]
        contacts = Contact.objects.filter(customer_id=opportunity.customer_id)
        keep = self.instance.agreed_with_id
        contacts = contacts.filter(Q(archived_at__isnull=True) | Q(pk=keep)) if keep else contacts.active()
        self.fields["agreed_with"].queryset = contacts  # type: ignore[attr-defined]
        self.fields["status"].required = False

    def clean_status(self) -> str:
        return self.cleaned_data.get("status") or self.instance.status or ExpectationStatus.OPEN

    def changes(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in self._meta.fields or [] if name in self.cleaned_data
        }

    def _post_clean(self) -> None:
        pass


class StageSettingsForm(forms.Form):
    """Each stage's default probability and whether it requires an expert review."""

    def __init__(self, *args: Any, settings: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for stage in Stage:
            setting = settings[stage.value]
            closed = stage in CLOSED_STAGES
            self.fields[f"{stage.value}_probability"] = forms.IntegerField(
                label=stage.label, min_value=0, max_value=100, initial=setting.probability, disabled=closed
            )
            self.fields[f"{stage.value}_requires_review"] = forms.BooleanField(
                label=_("Requires an expert review"),
                required=False,
                initial=setting.requires_review,
                disabled=closed,
            )

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (stage, self[f"{stage.value}_probability"], self[f"{stage.value}_requires_review"])
            for stage in Stage
        ]

    def wanted(self) -> dict[str, dict[str, Any]]:
        return {
            stage.value: {
                "probability": self.cleaned_data[f"{stage.value}_probability"],
                "requires_review": self.cleaned_data[f"{stage.value}_requires_review"],
            }
            for stage in Stage
            if stage in OPEN_STAGES
        }


class RoleRatesForm(forms.Form):
    """The firm's default hourly rate per role; an empty one means the firm's rate applies."""

    def __init__(self, *args: Any, rates: dict[str, Any], firm_rate: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.firm_rate = firm_rate
        for role in Role:
            self.fields[role_rate_field(role.value)] = forms.DecimalField(
                label=role.label,
                required=False,
                min_value=0,
                max_digits=10,
                decimal_places=2,
                initial=rates.get(role.value),
                widget=forms.NumberInput(
                    attrs={"step": "0.01", "min": "0", "inputmode": "decimal", "class": "text-end"}
                ),
            )

    def rows(self) -> list[tuple[Any, Any]]:
        return [(role, self[role_rate_field(role.value)]) for role in Role]

    def wanted(self) -> dict[str, Any]:
        return {role.value: self.cleaned_data[role_rate_field(role.value)] for role in Role}


BOARD_SORT_CHOICES = [
    ("value", _("Largest first")),
    ("due", _("Offer due first")),
    ("start", _("Starting first")),
]
STAGE_FILTER_CHOICES = [
    ("", _("Open")),
    ("closed", _("Won and lost")),
    ("all", _("All stages")),
    *[(s.value, s.label) for s in Stage],
]


class QuickSelect(forms.Select):
    """A select whose options are written out in Python rather than through a template per option.

    The filters list every owner and skill on every board and list page, and Django's template per
    option cost more than all the cards together.
    """

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = self.chosen_keys(value)
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = "".join(_option(key, label, chosen) for key, label in self.options_to_show())
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 (escaped above)

    def chosen_keys(self, value: Any) -> set[str]:
        return set(self.format_value(value))

    def options_to_show(self) -> Any:
        return self.choices


def _option(value: Any, label: Any, chosen: set[str]) -> str:
    key = "" if value is None else str(value)
    selected = " selected" if key in chosen else ""
    return f'<option value="{escape(key)}"{selected}>{escape(label)}</option>'


def option_list(rows: Any, empty_label: Any) -> SafeString:
    """Return `<option>`s for (value, label) rows after an empty one, as a select's contents."""
    options = "".join(_option(key, label, set()) for key, label in [("", empty_label), *rows])
    return mark_safe(options)  # noqa: S308 (escaped in _option)


class ChosenOnlySelect(QuickSelect):
    """A select that carries only the empty option and the chosen one; pipeline/filters.js loads the
    others from `data-options-url` when the person reaches for the filters (thousands of customers
    would otherwise weigh down every page that shows the filters)."""

    chosen: tuple[Any, str] | None = None
    empty_label: Any = ""

    def chosen_keys(self, value: Any) -> set[str]:
        return {str(self.chosen[0])} if self.chosen else {""}

    def options_to_show(self) -> Any:
        return [("", self.empty_label), *([self.chosen] if self.chosen else [])]


class SkillChoiceField(forms.ModelChoiceField):
    widget = QuickSelect


class PipelineFilter(forms.Form):
    """The filters the board, the list, the CSV file and the API share; they live in the URL."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Title or customer")}),
    )
    owner = PersonChoiceField(
        label=_("Owner"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Anybody"),
        widget=QuickSelect,
    )
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.none(),
        required=False,
        empty_label=_("All customers"),
        widget=ChosenOnlySelect,
    )
    project_type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("All types")), *ProjectType.choices],
        required=False,
        widget=QuickSelect,
    )
    skill = SkillChoiceField(
        label=_("Skill"), queryset=Skill.objects.all(), required=False, empty_label=_("All skills")
    )
    start_from = forms.DateField(
        label=_("Starts from"), required=False, input_formats=DATE_FORMATS, widget=_date_widget()
    )
    start_to = forms.DateField(
        label=_("Starts by"), required=False, input_formats=DATE_FORMATS, widget=_date_widget()
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    sort = forms.ChoiceField(label=_("Order"), choices=BOARD_SORT_CHOICES, required=False, widget=QuickSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners()  # type: ignore[attr-defined]
        self.fields["customer"].queryset = Customer.objects.active().only("id", "name")  # type: ignore[attr-defined]
        customers = self.fields["customer"].widget
        customers.empty_label = self.fields["customer"].empty_label  # type: ignore[attr-defined]
        customers.attrs["data-options-url"] = reverse("pipeline:customer_choices")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_from") and data.get("start_to") and data["start_to"] < data["start_from"]:
            self.add_error("start_to", _("The end of the period comes before its start."))
        return data

    def values(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left out, so a bad link still shows a page)."""
        self.is_valid()
        values = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        if values.get("customer") is not None:
            chosen = values["customer"]
            self.fields["customer"].widget.chosen = (chosen.pk, chosen.name)  # type: ignore[attr-defined]
        return values


class ListFilter(PipelineFilter):
    stage = forms.ChoiceField(label=_("Stage"), choices=STAGE_FILTER_CHOICES, required=False)

    def values(self) -> dict[str, Any]:
        values = super().values()
        values["stage"] = values.get("stage") or "open"
        return values
