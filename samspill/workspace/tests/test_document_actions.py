"""Renaming, moving, deleting to the recycle bin and restoring a document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from samspill.activity.models import Event
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken, StaleVersion
from samspill.workspace import actions
from samspill.workspace.models import Document, DocumentKind

pytestmark = pytest.mark.django_db

AddDocument = Callable[..., Document]


def test_a_document_is_renamed_and_given_another_type(
    customer: Any, seller: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    saved = actions.update_document(
        document, {"title": "Kravspesifikasjon v1", "kind": DocumentKind.REPORT}, by=seller, version=1
    )
    assert (saved.title, saved.kind, saved.version) == ("Kravspesifikasjon v1", "report", 2)
    event = Event.objects.get(verb="document.updated")
    assert event.changes["kind"]["after_text"] == "Report"


def test_a_rename_from_a_stale_page_is_refused_naming_what_changed(
    customer: Any, seller: Any, manager: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    actions.update_document(document, {"title": "Lenas navn"}, by=manager, version=1)
    with pytest.raises(StaleVersion) as stale:
        actions.update_document(document, {"title": "Selmas navn"}, by=seller, version=1)
    assert "Lenas navn" in stale.value.message


@pytest.mark.parametrize(
    "changes", [{"title": ""}, {"title": "x" * 201}, {"kind": "poem"}, {"owner": 1}, {"title": "   "}]
)
def test_a_bad_title_or_type_is_refused_as_malformed(
    changes: dict[str, Any], customer: Any, seller: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    with pytest.raises(InvalidInput):
        actions.update_document(document, changes, by=seller, version=None)


def test_reading_the_text_does_not_make_an_open_edit_stale(
    customer: Any, seller: Any, add_document: AddDocument, read_text: Callable[[Document], Document]
) -> None:
    document = read_text(add_document(customer))
    assert document.version == 1
    assert actions.update_document(document, {"title": "Nytt"}, by=seller, version=1).title == "Nytt"


def test_a_document_moves_to_another_workspace_the_person_may_change(
    make_customer: Any, customer: Any, seller: Any, add_document: AddDocument
) -> None:
    other = make_customer("Havbruk Nord AS")
    document = add_document(customer)
    moved = actions.move_document(document, other, by=seller, version=1)
    assert (moved.owner, moved.customer_id, moved.version) == (other, other.pk, 2)
    event = Event.objects.get(verb="document.moved")
    assert (event.changes["owner"]["before_text"], event.changes["owner"]["after_text"]) == (
        customer.name,
        other.name,
    )
    assert event.context_id == str(other.pk)


def test_moving_needs_the_right_to_change_both_workspaces(
    make_customer: Any, customer: Any, seller: Any, add_document: AddDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samspill.lib import registry

    locked = make_customer("Låst Kunde AS")
    ordinary = registry.access_for("customers.customer")
    monkeypatch.setitem(
        registry.registry.access,
        "customers.customer",
        registry.Access(ordinary.visible_to, lambda user, obj: obj.pk != locked.pk),
    )
    document = add_document(customer)
    with pytest.raises(NotAllowed):
        actions.move_document(document, locked, by=seller)
    document.refresh_from_db()
    assert document.owner == customer


def test_a_deleted_document_goes_to_the_recycle_bin_and_an_administrator_restores_it(
    customer: Any, seller: Any, administrator: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    actions.delete_document(document, by=seller, version=1)
    assert not Document.objects.present().exists()
    binned = Document.objects.deleted().get()
    assert binned.deleted_by == seller and binned.current is not None
    with pytest.raises(NotAllowed):
        actions.restore_document(binned, by=seller)
    restored = actions.restore_document(binned, by=administrator)
    assert restored.deleted_at is None and restored.deleted_by is None
    assert list(Event.objects.order_by("id").values_list("verb", flat=True))[-2:] == [
        "document.deleted",
        "document.restored",
    ]


def test_deleting_twice_changes_nothing_the_second_time(
    customer: Any, seller: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    actions.delete_document(document, by=seller)
    actions.delete_document(document, by=seller)
    assert Event.objects.filter(verb="document.deleted").count() == 1


def test_a_document_in_the_recycle_bin_is_not_renamed(
    customer: Any, seller: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    actions.delete_document(document, by=seller)
    document.refresh_from_db()
    with pytest.raises(RuleBroken):
        actions.update_document(document, {"title": "Nytt"}, by=seller, version=None)


def test_only_editors_of_the_workspace_rename_move_or_delete(
    customer: Any, expert: Any, add_document: AddDocument
) -> None:
    document = add_document(customer)
    with pytest.raises(NotAllowed):
        actions.update_document(document, {"title": "Nytt"}, by=expert, version=None)
    with pytest.raises(NotAllowed):
        actions.delete_document(document, by=expert)
    with pytest.raises(NotAllowed):
        actions.move_document(document, customer, by=expert)
