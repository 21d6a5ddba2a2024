"""People directory, profiles, invitations, deactivation, skills, language and API tokens."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.tokens import default_token_generator
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samspill.lib.errors import ActionError
from samspill.lib.forms import apply_action
from samspill.people import actions
from samspill.people.access import (
    can_change_person,
    can_manage_people,
    can_see_cost_rate,
    editable_fields,
    get_person_for,
    get_token_for,
)
from samspill.people.forms import (
    AcceptInvitationForm,
    DirectoryFilter,
    InviteForm,
    ProfileForm,
    RolesForm,
    SkillsForm,
    TokenForm,
)
from samspill.people.models import ApiToken, Person, PersonSkill, Skill


def _me(request: HttpRequest) -> Person:
    """Return the person who is logged in (every page but the public ones needs a login)."""
    return cast(Person, request.user)


def _directory_rows(request: HttpRequest, filters: DirectoryFilter) -> Any:
    people = (
        Person.objects.visible_to(request.user)
        .select_related("team")
        .prefetch_related(
            "role_assignments", Prefetch("skills", queryset=PersonSkill.objects.select_related("skill"))
        )
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    if not data.get("inactive") or not can_manage_people(request.user):
        people = people.filter(is_active=True)
    if data.get("q"):
        q = data["q"]
        people = people.filter(
            Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(title__icontains=q)
            | Q(email__icontains=q)
            | Q(username__icontains=q)
        )
    if data.get("role"):
        people = people.with_role(data["role"])
    if data.get("team"):
        people = people.filter(team=data["team"])
    if data.get("skill"):
        people = people.filter(skills__skill=data["skill"], skills__level__gte=data.get("min_level") or 1)
    return people.distinct()


def directory(request: HttpRequest) -> HttpResponse:
    """The people directory, filterable by skill, role and team."""
    filters = DirectoryFilter(request.GET or None)
    page = Paginator(_directory_rows(request, filters), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/directory.html",
        {
            "filters": filters if request.GET else DirectoryFilter(),
            "page": page,
            "can_manage": can_manage_people(request.user),
        },
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's profile: roles, skills, capacity and rates, and their own API tokens."""
    person = get_person_for(request.user, pk)
    own = request.user.pk == person.pk
    tokens = (
        ApiToken.objects.visible_to(request.user).filter(person=person)
        if own or can_manage_people(request.user)
        else ApiToken.objects.none()
    )
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "skills": person.skills.select_related("skill"),
            "own": own,
            "can_edit": can_change_person(request.user, person),
            "can_manage": can_manage_people(request.user),
            "show_cost": can_see_cost_rate(request.user, person),
            "tokens": tokens,
            "token_form": TokenForm(),
            "new_token": request.session.pop("new_token", None) if own else None,
        },
    )


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a profile: administrators everything, a person their name, title, phone and language."""
    person = get_person_for(request.user, pk)
    if not can_change_person(request.user, person):
        raise Http404
    allowed = editable_fields(request.user, person)
    form = ProfileForm(
        request.POST or None,
        instance=Person.objects.get(pk=person.pk),
        allowed=allowed,
        initial={"version": person.version},
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields if name != "version"}
        if apply_action(
            form,
            lambda: actions.update_person(
                person, changes, by=_me(request), version=form.cleaned_data["version"]
            ),
        ):
            messages.success(request, _("The profile was saved."))
            return redirect(person)
    return render(request, "people/edit.html", {"person": person, "form": form})


def edit_roles(request: HttpRequest, pk: int) -> HttpResponse:
    """Administrators set a person's roles and the primary one."""
    person = get_person_for(request.user, pk)
    if not can_manage_people(request.user):
        raise Http404
    form = RolesForm(
        request.POST or None,
        initial={
            "version": person.version,
            "roles": sorted(person.roles),
            "primary_role": person.primary_role,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if apply_action(
            form,
            lambda: actions.set_roles(
                person,
                data["roles"],
                primary_role=data["primary_role"],
                by=_me(request),
                version=data["version"],
            ),
        ):
            messages.success(request, _("The roles were saved."))
            return redirect(person)
    return render(request, "people/roles.html", {"person": person, "form": form})


def edit_skills(request: HttpRequest, pk: int) -> HttpResponse:
    """A person (or an administrator) sets their skill levels, 1 to 5."""
    person = get_person_for(request.user, pk)
    if request.user.pk != person.pk and not can_manage_people(request.user):
        raise Http404
    current = dict(person.skills.values_list("skill_id", "level"))
    form = SkillsForm(
        request.POST or None,
        skills=list(Skill.objects.all()),
        current=current,
        initial={"version": person.version},
    )
    if request.method == "POST" and form.is_valid():
        saved = apply_action(
            form,
            lambda: actions.set_skills(
                person, form.levels(), by=_me(request), version=form.cleaned_data["version"]
            ),
        )
        if saved is not None:
            messages.success(request, _("The skills were saved."))
            return redirect(person)
    return render(request, "people/skills.html", {"person": person, "form": form})


def invite(request: HttpRequest) -> HttpResponse:
    """Administrators invite a person by e-mail."""
    if not can_manage_people(request.user):
        raise Http404
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = apply_action(form, lambda: actions.invite_person(**form.cleaned_data, by=_me(request)))
        if person:
            messages.success(
                request,
                _("%(name)s was invited by e-mail to %(email)s.")
                % {"name": person.name, "email": person.email},
            )
            return redirect(person)
    return render(request, "people/invite.html", {"form": form})


@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Administrators deactivate or reactivate a person."""
    person = get_person_for(request.user, pk)
    if not can_manage_people(request.user):
        raise Http404
    try:
        if request.POST.get("active") == "1":
            actions.reactivate_person(person, by=_me(request))
            messages.success(request, _("%(name)s can log in again.") % {"name": person.name})
        else:
            actions.deactivate_person(person, by=_me(request))
            messages.success(
                request, _("%(name)s was deactivated and can no longer log in.") % {"name": person.name}
            )
    except ActionError as error:
        messages.error(request, error.message)
    return redirect(person)


@require_POST
def resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request.user, pk)
    if not can_manage_people(request.user):
        raise Http404
    if person.has_joined or not person.is_active:
        messages.error(
            request,
            _("%(name)s has already joined; they can reset their password from the login page.")
            % {"name": person.name},
        )
        return redirect(person)
    actions.send_invitation(person, by=_me(request))
    messages.success(request, _("The invitation was sent again to %(email)s.") % {"email": person.email})
    return redirect(person)


@require_POST
def create_token(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a token for yourself; its secret is shown once, on the next page."""
    person = get_person_for(request.user, pk)
    if person.pk != request.user.pk:
        raise Http404
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the token a name, so you know where it is used."))
        return redirect(reverse("people:detail", args=[pk]) + "#tokens")
    try:
        _token, raw = actions.create_token(person, name=form.cleaned_data["name"], by=_me(request))
        request.session["new_token"] = raw
    except ActionError as error:
        messages.error(request, error.message)
    return redirect(reverse("people:detail", args=[pk]) + "#tokens")


@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_token_for(request.user, pk)
    try:
        actions.revoke_token(token, by=_me(request))
        messages.success(request, _("The token %(name)s no longer works.") % {"name": token.name})
    except ActionError as error:
        messages.error(request, error.message)
    return redirect(reverse("people:detail", args=[token.person_id]) + "#tokens")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: saved on the profile of whoever is logged in."""
    from django.views.i18n import set_language as django_set_language

    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unknown language."))
        return redirect("/")
    if request.user.is_authenticated:
        actions.update_person(_me(request), {"language": language}, by=_me(request), version=None)
    response = django_set_language(request)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target) if response.status_code in (200, 204) else response


def accept_invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """An invited person sets their password from the e-mailed link and is logged in."""
    try:
        person = Person.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (Person.DoesNotExist, ValueError, TypeError, OverflowError):
        person = None
    if person is None or not default_token_generator.check_token(person, token):
        return render(request, "people/invitation_invalid.html", status=400)
    form = AcceptInvitationForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.accept_invitation(person, password=form.cleaned_data["new_password1"])
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to Samspill, %(name)s!") % {"name": person.name})
        return redirect("/")
    return render(request, "people/accept_invitation.html", {"person": person, "form": form})


def me(request: HttpRequest) -> HttpResponse:
    return redirect("people:detail", pk=request.user.pk)
