"""Forms of the project pages: the project, its status, progress, milestones, staffing, status reports,
expectations, team, closing and retrospective, and the list's filters."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samspill.customers.forms import PersonChoiceField, people_with
from samspill.customers.models import Customer, FrameworkAgreement
from samspill.delivery.actions.projects import PROJECT_FIELDS
from samspill.delivery.models import Health, Milestone, Phase, Project, ProjectRole, ProjectStatus
from samspill.lib.forms import QuickSelect, VersionField
from samspill.people.models import Person, Role, Skill
from samspill.pipeline.models import ExpectationStatus

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
MANAGER_ROLES = (Role.PROJECT_MANAGER, Role.DELIVERY_MANAGER, Role.MANAGEMENT)
SELLER_ROLES = (Role.SELLER, Role.MANAGEMENT)
OPEN_STATUS_CHOICES = [(s.value, s.label) for s in ProjectStatus if s != ProjectStatus.CLOSED]
PACKAGE_ROWS = 6
LESSON_ROWS = 3


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, input_formats=DATE_FORMATS, widget=_date_widget(), help_text=help_text
    )


def active_people(keep: Any = None) -> Any:
    wanted = Q(is_active=True)
    if keep is not None:
        wanted |= Q(pk=keep)
    return Person.objects.filter(wanted).only("id", "first_name", "last_name", "username")


class TagsField(forms.CharField):
    """Tags typed as one line, separated by commas."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [t.strip() for t in text.split(",") if t.strip()]


class ProjectForm(forms.ModelForm):
    """Start a project by hand, or change one's fields."""

    version = VersionField()
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), empty_label=_("Choose the customer")
    )
    agreement = forms.ModelChoiceField(
        label=_("Framework agreement"),
        queryset=FrameworkAgreement.objects.none(),
        required=False,
        empty_label=_("None: not a call-off"),
    )
    manager = PersonChoiceField(label=_("Project manager"), queryset=Person.objects.none())
    seller = PersonChoiceField(
        label=_("Seller"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Nobody: not sold"),
        help_text=_("The account owner who follows the project from the sales side."),
    )
    tags = TagsField(label=_("Tags"), required=False, max_length=1000, help_text=_("Separate with commas."))
    price = forms.DecimalField(
        label=_("Price (NOK excl. VAT)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty to use the work packages' hours × rates."),
        widget=forms.NumberInput(attrs={"step": "1000", "min": "0", "inputmode": "decimal"}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=OPEN_STATUS_CHOICES, initial=ProjectStatus.PLANNED)
    starts_on = _date(_("Start"))
    ends_on = _date(_("Planned end"))

    class Meta:
        model = Project
        fields = ["customer", *PROJECT_FIELDS, "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        creating = instance.pk is None
        if creating:
            self.fields["customer"].queryset = Customer.objects.active().order_by("name")  # type: ignore[attr-defined]
            self.fields["agreement"].queryset = (  # type: ignore[attr-defined]
                FrameworkAgreement.objects.active()
                .select_related("customer")
                .order_by("customer__name", "title")
            )
        else:
            del self.fields["customer"]
            del self.fields["status"]
            agreements = FrameworkAgreement.objects.filter(customer_id=instance.customer_id)
            self.fields["agreement"].queryset = agreements.order_by("title")  # type: ignore[attr-defined]
        keep_manager = None if creating else instance.manager_id
        keep_seller = None if creating else instance.seller_id
        self.fields["manager"].queryset = people_with(MANAGER_ROLES, keep_manager)  # type: ignore[attr-defined]
        self.fields["seller"].queryset = people_with(SELLER_ROLES, keep_seller)  # type: ignore[attr-defined]
        self.fields["price"].required = not creating
        if not creating and instance.price == instance.price.to_integral_value():
            self.initial["price"] = instance.price.quantize(Decimal(1))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agreement, customer = (
            data.get("agreement"),
            data.get("customer") or getattr(self.instance, "customer", None),
        )
        if agreement is not None and customer is not None and agreement.customer_id != customer.pk:
            self.add_error("agreement", _("This agreement is with another customer."))
        return data

    def changes(self) -> dict[str, Any]:
        fields = [*PROJECT_FIELDS, "customer", "status"] if self.instance.pk is None else PROJECT_FIELDS
        changes = {name: self.cleaned_data[name] for name in fields if name in self.cleaned_data}
        if changes.get("price") is None:
            changes.pop("price", None)
        return changes

    def _post_clean(self) -> None:
        # The action validates the whole project; the form checks fields only.
        pass


class PackageRowForm(forms.Form):
    """One work package of a project started by hand: its baseline hours and hourly rate."""

    name = forms.CharField(label=_("Work package"), max_length=200, required=False)
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_digits=9, decimal_places=1, required=False)
    hourly_rate = forms.DecimalField(
        label=_("Hourly rate"), min_value=0, max_digits=10, decimal_places=2, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("hours") or data.get("hourly_rate")) and not (data.get("name") or "").strip():
            self.add_error("name", _("Name the work package."))
        return data


PackageRows = forms.formset_factory(PackageRowForm, extra=PACKAGE_ROWS, max_num=50)


class StatusForm(forms.Form):
    version = VersionField()
    status = forms.ChoiceField(label=_("Status"), choices=OPEN_STATUS_CHOICES)


class ProgressForm(forms.Form):
    """How far a work package has come: remaining hours or % complete, one of them."""

    version = VersionField()
    remaining_hours = forms.DecimalField(
        label=_("Remaining hours"),
        min_value=0,
        max_digits=9,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "inputmode": "decimal"}),
    )
    percent_complete = forms.IntegerField(
        # xgettext:no-python-format
        label=_("% complete"),
        min_value=0,
        max_value=100,
        required=False,
        widget=forms.NumberInput(attrs={"step": "1", "min": "0", "max": "100", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("remaining_hours") is not None and data.get("percent_complete") is not None:
            # xgettext:no-python-format
            raise forms.ValidationError(_("Give either the remaining hours or the % complete, not both."))
        return data


class MilestoneForm(forms.ModelForm):
    version = VersionField()
    planned_on = _date(_("Planned"), required=True)
    forecast_on = _date(_("Forecast"), help_text=_("When you now expect it; empty if as planned."))
    done_on = _date(_("Reached"))

    class Meta:
        model = Milestone
        fields = ["name", "planned_on", "forecast_on", "done_on"]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}

    def _post_clean(self) -> None:
        pass


class StatusReportForm(forms.Form):
    health = forms.ChoiceField(label=_("Health"), choices=Health.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened this week, what worries you, what you need."),
    )


class ExpectationStatusForm(forms.Form):
    version = VersionField()
    status = forms.ChoiceField(label=_("Status"), choices=ExpectationStatus.choices)
    note = forms.CharField(label=_("Why"), max_length=2000, required=False)


PERSON_MATCHES = 20


def matching_people(text: str, limit: int = PERSON_MATCHES) -> Any:
    """Active people whose name, username or title contains `text`: the type-ahead's suggestions."""
    text = (text or "").strip()
    if not text:
        return Person.objects.none()
    words = Q()
    for word in text.split()[:5]:
        words &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(title__icontains=word)
        )
    return (
        Person.objects.filter(words, is_active=True)
        .only("id", "first_name", "last_name", "username", "title")
        .order_by("first_name", "last_name", "pk")[:limit]
    )


class MemberForm(forms.Form):
    """Add a person to the team: chosen from the type-ahead (a hidden id), or by their username without it."""

    who = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": _("Type a name, username or title")}
        ),
    )
    person = PersonChoiceField(queryset=Person.objects.none(), required=False, widget=forms.HiddenInput)
    role = forms.ChoiceField(
        label=_("Role"), choices=[(r.value, r.label) for r in ProjectRole if r != ProjectRole.PROJECT_MANAGER]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = active_people()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("person") is not None or "person" in self.errors:
            return data
        username = (data.get("who") or "").strip()
        if not username:
            self.add_error("who", _("Choose a person: type part of their name and pick them from the list."))
            return data
        person = active_people().filter(username__iexact=username).first()
        if person is None:
            self.add_error(
                "who",
                _(
                    "Nobody active has the username “%(username)s”. "
                    "Type part of a name and pick from the list."
                )
                % {"username": username},
            )
            return data
        data["person"] = person
        return data


class ClosingForm(forms.Form):
    """Close the project: the customer's satisfaction and the retrospective."""

    version = VersionField()
    satisfaction = forms.TypedChoiceField(
        label=_("Customer satisfaction"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = very dissatisfied, 5 = very satisfied."),
    )
    went_well = forms.CharField(
        label=_("What went well"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    went_badly = forms.CharField(
        label=_("What went badly"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    closed_on = _date(_("Closed on"))

    def __init__(self, *args: Any, retrospective: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if retrospective:
            del self.fields["closed_on"]
            del self.fields["version"]


class LessonForm(forms.Form):
    text = forms.CharField(
        label=_("Lesson"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    phase = forms.ChoiceField(label=_("Phase"), choices=[("", "—"), *Phase.choices], required=False)
    tags = TagsField(label=_("Tags"), required=False, max_length=1000)
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("text") or "").strip() and not data.get("phase"):
            self.add_error("phase", _("Which phase does the lesson belong to?"))
        return data

    def lesson(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not (data.get("text") or "").strip():
            return None
        return {
            "text": data["text"],
            "phase": data["phase"],
            "tags": data.get("tags") or [],
            "skills": list(data.get("skills") or []),
        }


LessonRows = forms.formset_factory(LessonForm, extra=LESSON_ROWS, max_num=50)


SORT_CHOICES = [
    ("trouble", _("Most trouble first")),
    ("title", _("Title")),
    ("-updated", _("Recently changed")),
]


CUSTOMER_MATCHES = 20


def _statused(projects: Any, status: str) -> Any:
    """The projects with the list's status filter: running when empty, every one with "all"."""
    if not status:
        return projects.running()
    if status == "all":
        return projects
    return projects.filter(status=status)


def name_words(text: str, field: str = "name") -> Q:
    """The filter on rows whose `field` holds every word of `text` (the first five)."""
    words = Q()
    for word in (text or "").split()[:5]:
        words &= Q(**{f"{field}__icontains": word})
    return words


def matching_customers(text: str, *, user: Any, status: str = "", limit: int = CUSTOMER_MATCHES) -> Any:
    """Customers whose name holds every word of `text` and who have projects `user` sees with `status`:
    the project list's customer type-ahead. A customer only of projects the person may not see is never
    suggested, so the suggestions reveal nothing the list would not."""
    text = (text or "").strip()
    if not text:
        return Customer.objects.none()
    projects = _statused(Project.objects.visible_to(user).order_by(), status)
    return (
        Customer.objects.visible_to(user)
        .filter(name_words(text), pk__in=projects.values("customer_id"))
        .only("id", "name")
        .order_by("name", "pk")[:limit]
    )


class ProjectFilter(forms.Form):
    """The project list's filters. The customer is a type-ahead: a chosen customer travels as its id
    (`customer`), and a name typed without choosing (or without JavaScript) matches part of the name."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Running")), ("all", _("All")), *ProjectStatus.choices],
    )
    customer = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    customer_name = forms.CharField(label=_("Customer"), required=False, max_length=200)
    manager = PersonChoiceField(
        label=_("Project manager"),
        required=False,
        queryset=Person.objects.none(),
        empty_label=_("Everybody"),
        widget=QuickSelect,
    )
    health = forms.ChoiceField(label=_("Health"), required=False, choices=[("", _("Any")), *Health.choices])
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Only managers of projects the person sees with the chosen status: the choices reveal nothing
        # more, and stay short (a few hundred people at most, unlike the thousands of customers). What is
        # chosen stays a choice when the status changes.
        seen = Project.objects.visible_to(user).order_by()
        status = str(self.data.get("status") or "") if self.is_bound else ""
        managers = Q(pk__in=_statused(seen, status).values("manager_id"))
        if self.is_bound and (chosen_manager := _number(self.data.get("manager"))) is not None:
            managers |= Q(pk__in=seen.filter(manager_id=chosen_manager).values("manager_id"))
        self.fields["manager"].queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(managers)
            .only("id", "first_name", "last_name", "username")
            .order_by("first_name", "last_name", "pk")
        )

    def clean_customer(self) -> Customer | None:
        """The chosen customer, if there is one the person may see; an unknown id is no filter."""
        number = _number(self.cleaned_data.get("customer"))
        if number is None:
            return None
        return Customer.objects.visible_to(self.user).only("id", "name").filter(pk=number).first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        customer, typed = data.get("customer"), (data.get("customer_name") or "").strip()
        # A link names the customer by id alone. A submitted form also sends the text: when it no longer
        # reads as the chosen customer (changed or emptied without JavaScript), the text decides.
        if (
            customer is not None
            and "customer_name" in self.data
            and typed.casefold() != customer.name.casefold()
        ):
            data["customer"] = customer = None
        data["customer_name"] = customer.name if customer is not None else typed
        return data

    def customer_shown(self) -> str:
        """What the customer field shows: the chosen customer's name, or the text typed."""
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data.get("customer_name") or "")
        return str(self.data.get("customer_name") or "") if self.is_bound else ""

    def chosen_customer_id(self) -> int | str:
        """The chosen customer's id for the hidden field, empty when none is chosen."""
        customer = self.cleaned_data.get("customer") if self.is_bound and self.is_valid() else None
        return customer.pk if customer is not None else ""

    def values(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        values = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}
        if "customer" in values:
            values.pop("customer_name", None)
        return values


def _number(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def staffing_weeks(start: datetime.date, count: int) -> list[datetime.date]:
    monday = start - datetime.timedelta(days=start.weekday())
    return [monday + datetime.timedelta(weeks=i) for i in range(count)]
