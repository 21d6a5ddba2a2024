"""Search finds what a person may see, in any inflection, on SQLite and on PostgreSQL alike.

Every test here runs on the database the suite runs on; CI runs the suite on both, and the tests compare
sets of results, never the order of equal-looking ones.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.text import capfirst
from hypothesis import given
from hypothesis import strategies as st

from samspill.lib import registry
from samspill.workspace import search
from samspill.workspace.search import engines
from samspill.workspace.search import query as search_query
from samspill.workspace.search.engines import engine

pytestmark = pytest.mark.django_db
# Customers and contacts are a layer above the workspace: the tests reach them through the app registry.
Customer = apps.get_model("customers", "Customer")
Contact = apps.get_model("customers", "Contact")


def make_customer(
    name: str, *, notes: str = "", city: str = "", owner: Any = None, **fields: Any
) -> Customer:
    """Insert a customer directly (no event, so not indexed until `search.reindex()`)."""
    return Customer.objects.create(name=name, notes=notes, city=city, account_owner=owner, **fields)


def titles(results: search.SearchResults) -> set[str]:
    return {hit.title for hit in results.items}


@pytest.fixture
def firm(seller: Any) -> dict[str, Customer]:
    """A few customers whose names and notes the tests search, indexed."""
    made = {
        "fjordlys": make_customer("Fjordlys Energi AS", city="Bergen", owner=seller),
        "fjordlys_oslo": make_customer("Fjordlys Eiendom AS", city="Oslo"),
        "avvik": make_customer(
            "Havbris Logistikk AS", notes="Vi fant tre avvik i leveransen, og kunden ba om en ny plan."
        ),
        "tilbud": make_customer(
            "Nordvik Kraft AS", notes="Tilbud på drift av dataplattformen sendes før jul, sier kunden."
        ),
        "english": make_customer(
            "Westcoast Shipping Ltd",
            notes="We delivered the projects on time and the customer was happy with the support.",
        ),
        "fjord_note": make_customer(
            "Solberg Bygg AS", notes="Vi besøkte kontoret ved fjorden i går, og det var en fin tur."
        ),
    }
    Contact.objects.create(customer=made["fjordlys"], name="Kari Nordmann", title="Innkjøpsleder")
    Contact.objects.create(customer=made["avvik"], name="Ola Hansen", title="IT-sjef")
    search.reindex()
    return made


def test_norwegian_inflections_match(firm: dict[str, Customer], seller: Any) -> None:
    assert titles(search.search(seller, "avvikene")) == {"Havbris Logistikk AS"}
    assert titles(search.search(seller, "tilbudet")) == {"Nordvik Kraft AS"}
    assert titles(search.search(seller, "dataplattform")) == {"Nordvik Kraft AS"}


def test_english_inflections_match_english_text(firm: dict[str, Customer], seller: Any) -> None:
    assert titles(search.search(seller, "project delivering")) == {"Westcoast Shipping Ltd"}
    assert titles(search.search(seller, "customers")) == {"Westcoast Shipping Ltd"}


def test_a_stem_in_one_language_does_not_find_a_word_of_the_other(
    firm: dict[str, Customer], seller: Any
) -> None:
    # The English stem of "fjordlys" is "fjord"; the Norwegian note about "fjorden" must not match it.
    assert titles(search.search(seller, "fjordlys")) == {"Fjordlys Energi AS", "Fjordlys Eiendom AS"}
    assert titles(search.search(seller, "fjorden tur")) == {"Solberg Bygg AS"}


def test_every_word_must_match(firm: dict[str, Customer], seller: Any) -> None:
    assert titles(search.search(seller, "fjordlys bergen")) == {"Fjordlys Energi AS"}
    assert titles(search.search(seller, "fjordlys avvik")) == set()


def test_the_last_word_matches_the_start_of_a_word(firm: dict[str, Customer], seller: Any) -> None:
    assert titles(search.search(seller, "fjordl")) == {"Fjordlys Energi AS", "Fjordlys Eiendom AS"}
    assert titles(search.search(seller, "energi fjordl")) == {"Fjordlys Energi AS"}
    # Not the words before it: "fjordl" alone as a whole word is nothing.
    assert titles(search.search(seller, "fjordl energi")) == set()


def test_a_title_match_ranks_above_a_match_in_the_text(seller: Any) -> None:
    make_customer("Avvik og Kvalitet AS")
    make_customer("Bølge Handel AS", notes="Et avvik ble meldt i fjor.")
    for n in range(4):  # so that "avvik" is a rare word, as it is in a real index
        make_customer(f"Annen kunde {n} AS", notes="Leveransen gikk etter planen.")
    search.reindex()
    found = search.search(seller, "avvik")
    assert [hit.title for hit in found.items] == ["Avvik og Kvalitet AS", "Bølge Handel AS"]


def test_results_are_filtered_by_kind(firm: dict[str, Customer], seller: Any) -> None:
    assert {hit.kind for hit in search.search(seller, "innkjøpsleder").items} == {"contacts"}
    assert {hit.kind for hit in search.search(seller, "fjordlys").items} == {"customers"}
    contacts = search.search(seller, "innkjøpsleder", kinds=["contacts"])
    assert [(hit.kind, hit.title) for hit in contacts.items] == [("contacts", "Kari Nordmann")]
    assert search.search(seller, "innkjøpsleder", kinds=["customers"]).items == []


def test_results_are_filtered_by_customer(firm: dict[str, Customer], seller: Any) -> None:
    mine = firm["fjordlys"]
    found = search.search(seller, "fjordlys", customer_id=mine.pk)
    assert titles(found) == {"Fjordlys Energi AS"}
    contacts = search.search(seller, "kari", customer_id=firm["avvik"].pk)
    assert contacts.items == []


def test_results_are_filtered_by_date(firm: dict[str, Customer], seller: Any) -> None:
    old = timezone.make_aware(datetime.datetime(2024, 5, 1, 12))
    Customer.objects.filter(pk=firm["fjordlys_oslo"].pk).update(updated_at=old)
    search.reindex()
    day = datetime.date(2024, 5, 1)
    assert titles(search.search(seller, "fjordlys", date_to=day)) == {"Fjordlys Eiendom AS"}
    assert titles(search.search(seller, "fjordlys", date_from=day + datetime.timedelta(days=1))) == {
        "Fjordlys Energi AS"
    }
    assert titles(search.search(seller, "fjordlys", date_from=day, date_to=day)) == {"Fjordlys Eiendom AS"}


def test_counts_per_kind_and_customer_come_with_the_results(firm: dict[str, Customer], seller: Any) -> None:
    found = search.search(seller, "fjordlys")
    facets = {facet.key: facet.count for facet in found.facets}
    assert (facets["customers"], facets["contacts"], sum(facets.values())) == (2, 0, 2)
    assert found.count == 2 and found.count_exact
    customers = {facet.label: facet.count for facet in found.customers}
    assert customers == {"Fjordlys Energi AS": 1, "Fjordlys Eiendom AS": 1}


def test_results_carry_highlighted_titles_and_snippets_escaped(seller: Any) -> None:
    make_customer(
        "Kvalitet <b>AS</b>", notes="<script>alert('x')</script> Tre avvik ble funnet i leveransen."
    )
    search.reindex()
    [hit] = search.search(seller, "kvalitet avvikene").items
    assert hit.title_html == "<mark>Kvalitet</mark> &lt;b&gt;AS&lt;/b&gt;"
    assert "&lt;script&gt;" in hit.snippet_html and "<script>" not in hit.snippet_html
    assert "<mark>avvik</mark>" in hit.snippet_html
    assert hit.url == f"/customers/{Customer.objects.get(name__startswith='Kvalitet').pk}/"


def test_a_contact_result_links_to_its_customer_and_names_it(firm: dict[str, Customer], seller: Any) -> None:
    [hit] = search.search(seller, "kari").items
    assert hit.url == firm["fjordlys"].get_absolute_url()
    assert hit.customer_name == "Fjordlys Energi AS"
    assert hit.label == capfirst(Contact._meta.verbose_name)


# ---------------------------------------------------------------------------------------------- access


@pytest.fixture
def confidential(monkeypatch: pytest.MonkeyPatch, seller: Any) -> dict[str, Customer]:
    """Search covers one kind only, opportunity-like: a confidential one is visible to its owner only."""

    def visible_to(user: Any) -> Any:
        return Customer.objects.filter(~Q(industry="confidential") | Q(account_owner=user))

    source = registry.SearchSource(
        key="opportunities",
        label="Opportunities",
        model=Customer,
        fields=("name", "notes"),
        visible_to=visible_to,
        title="name",
        customer="pk",
    )
    monkeypatch.setattr(registry.registry, "search_sources", {"opportunities": source})
    made = {
        "secret": make_customer(
            "Prosjekt Nordlys",
            notes="Fusjon med Havkraft, strengt fortrolig.",
            owner=seller,
            industry="confidential",
        ),
        "open": make_customer("Prosjekt Sørlys", notes="Ny kundeportal."),
    }
    search.reindex()
    return made


def test_an_outsider_never_finds_a_confidential_object(
    confidential: dict[str, Customer], outsider: Any
) -> None:
    for words in ["nordlys", "prosjekt", "fusjon havkraft", "fortrolig", "prosjekt nordl"]:
        found = search.search(outsider, words)
        assert "Prosjekt Nordlys" not in titles(found), words
        assert all(facet.count <= 1 for facet in found.facets), words
    assert titles(search.search(outsider, "prosjekt")) == {"Prosjekt Sørlys"}
    assert search.search(outsider, "prosjekt").count == 1
    assert search.rank("fusjon havkraft fortrolig", user=outsider) == []


def test_the_team_finds_its_confidential_object(confidential: dict[str, Customer], seller: Any) -> None:
    assert titles(search.search(seller, "fusjon havkraft")) == {"Prosjekt Nordlys"}
    assert search.search(seller, "prosjekt").count == 2


def test_a_page_is_filled_past_what_the_person_may_not_see(
    confidential: dict[str, Customer], outsider: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(6):
        make_customer(f"Prosjekt Hemmelig {n}", industry="confidential")
    search.reindex()
    monkeypatch.setattr(search_query, "WINDOW", 3)  # so that the first window holds only hidden ones
    found = search.search(outsider, "prosjekt", limit=1)
    assert titles(found) == {"Prosjekt Sørlys"}


def test_a_query_with_more_matches_than_a_ranking_tier_shows_the_newest_first_and_pages_through_all(
    seller: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(7):
        make_customer(f"Bredde {n} AS")
    search.reindex()
    monkeypatch.setattr(engines, "RANK_LIMIT", 3)
    monkeypatch.setattr(engines, "PG_RANK_LIMIT", 3)
    monkeypatch.setattr(search_query, "WINDOW", 2)
    first = search.search(seller, "bredde", limit=3)
    assert titles(first) == {"Bredde 6 AS", "Bredde 5 AS", "Bredde 4 AS"}
    assert first.has_more and not first.count_exact
    seen = [
        hit.title
        for offset in (0, 3, 6)
        for hit in search.search(seller, "bredde", limit=3, offset=offset).items
    ]
    assert sorted(seen) == [f"Bredde {n} AS" for n in range(7)]


def test_a_query_with_more_matches_than_a_ranking_tier_still_shows_title_matches_first(
    seller: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_customer("Kystlys Energi AS")
    newer = [make_customer(f"Havbris {n} AS", notes="Samarbeid med Kystlys om drift.") for n in range(2)]
    search.reindex()
    monkeypatch.setattr(engines, "RANK_LIMIT", 3)
    monkeypatch.setattr(engines, "PG_RANK_LIMIT", 3)
    found = search.search(seller, "kystlys")
    assert [hit.title for hit in found.items] == ["Kystlys Energi AS", newer[1].name, newer[0].name]


# -------------------------------------------------------------------------------- following the actions


@pytest.fixture
def act(django_capture_on_commit_callbacks: Any, api_for: Any, seller: Any) -> Callable[..., Any]:
    """Change data as the seller through the API, whose endpoints call the actions; run what they
    schedule for after their commit, as in production. Return the answer's JSON."""
    api = api_for(seller)

    def run(method: str, path: str, data: dict[str, Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(api, method)(path, data, content_type="application/json")
        assert response.status_code in (200, 201), response.content
        return response.json()

    return run


def test_the_index_follows_customers_created_renamed_and_archived(seller: Any, act: Any) -> None:
    customer = act("post", "/api/v1/customers", {"name": "Tindeglimt Havbruk AS"})
    assert titles(search.search(seller, "tindeglimt")) == {"Tindeglimt Havbruk AS"}
    path = f"/api/v1/customers/{customer['id']}"
    act("patch", path, {"name": "Tindeglimt Sjømat AS", "version": customer["version"]})
    assert titles(search.search(seller, "havbruk")) == set()
    assert titles(search.search(seller, "sjømat")) == {"Tindeglimt Sjømat AS"}
    act("post", f"{path}/archive", {})
    [hit] = search.search(seller, "tindeglimt").items
    assert hit.archived


def test_the_index_follows_a_new_contact(customer: Any, seller: Any, act: Any) -> None:
    act(
        "post",
        "/api/v1/contacts",
        {"customer_id": customer.pk, "name": "Synnøve Strand", "title": "Digitaliseringssjef"},
    )
    [hit] = search.search(seller, "digitaliseringssjefen").items
    assert (hit.kind, hit.title, hit.customer_id) == ("contacts", "Synnøve Strand", customer.pk)


def test_renaming_a_customer_follows_into_the_text_of_objects_that_quote_its_name(
    customer: Any, seller: Any, act: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    quoting = registry.SearchSource(
        key="contacts",
        label="Contacts",
        model=Contact,
        fields=("name", "customer.name"),
        visible_to=lambda user: Contact.objects.visible_to(user),
        title="name",
        customer="customer_id",
    )
    monkeypatch.setitem(registry.registry.search_sources, "contacts", quoting)
    Contact.objects.create(customer=customer, name="Kari Nordmann")
    search.reindex()
    assert titles(search.search(seller, "kari fjordlys")) == {"Kari Nordmann"}
    act(
        "patch", f"/api/v1/customers/{customer.pk}", {"name": "Havlys Energi AS", "version": customer.version}
    )
    assert titles(search.search(seller, "kari havlys")) == {"Kari Nordmann"}
    assert titles(search.search(seller, "kari fjordlys")) == set()


def test_an_object_that_is_gone_leaves_the_index(seller: Any) -> None:
    gone = make_customer("Forsvunnet AS")
    search.reindex()
    Customer.objects.filter(pk=gone.pk).delete()
    search.refresh(Customer, gone.pk)
    assert gone.pk not in engine().object_ids("customers")


def test_reindex_rebuilds_the_index_and_running_it_twice_changes_nothing(seller: Any) -> None:
    make_customer("Brevik Bank AS")
    assert search.search(seller, "brevik").items == []  # inserted without an action: not indexed yet
    first = search.reindex()
    assert titles(search.search(seller, "brevik")) == {"Brevik Bank AS"}
    second = search.reindex()
    assert first == second
    assert (first["customers"], first["contacts"]) == (1, 0)
    assert titles(search.search(seller, "brevik")) == {"Brevik Bank AS"}


def test_reindex_drops_what_no_longer_exists(seller: Any) -> None:
    kept, dropped = make_customer("Beholdt AS"), make_customer("Slettet AS")
    search.reindex()
    Customer.objects.filter(pk=dropped.pk).delete()
    search.reindex(["customers"])
    assert engine().object_ids("customers") == {kept.pk}


def test_reindex_refuses_an_unknown_kind(db: Any) -> None:
    with pytest.raises(ValueError, match="meetings"):
        search.reindex(["meetings"])


# --------------------------------------------------------------------------------------- costs and input


def _queries(run: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


def test_a_search_costs_the_same_queries_for_3_and_30_matches(seller: Any) -> None:
    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            customer = make_customer(f"Kystlys {n} AS", notes="Kystlys har avvik.")
            Contact.objects.create(customer=customer, name=f"Kontakt {n}", notes="Kystlys-kontakt")
        search.reindex()

    add(3, 0)
    few = _queries(lambda: search.search(seller, "kystlys", limit=100))
    add(27, 3)
    many = _queries(lambda: search.search(seller, "kystlys", limit=100))
    assert few == many
    # The index (on SQLite: the prefix's words, the newest matches, their ranking), two kinds' access and
    # objects, the customers' names.
    assert few <= 8


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        '"',
        '"unterminated',
        "*",
        "NEAR(",
        "NEAR(a b",
        "-",
        "- avvik",
        "a OR",
        "AND",
        "NOT avvik",
        "{title_nb}: x",
        "title_nb:avvik",
        "(",
        ")",
        "^avvik",
        "avvik:*",
        "'; DROP TABLE search_entry; --",
        "%",
        "_",
        "\\",
        "\x00",
        "x" * 10_000,
        "avvik " * 2_000,
        "😀 🚀",
        "ø" * 61,
    ],
)
def test_nothing_a_person_types_makes_search_fail(typed: str, firm: dict[str, Customer], seller: Any) -> None:
    found = search.search(seller, typed)
    assert isinstance(found, search.SearchResults)
    assert found.count == len(found.items) or not found.count_exact


def test_a_query_of_only_common_words_says_so(firm: dict[str, Customer], seller: Any) -> None:
    with translation.override("en"):
        found = search.search(seller, "og i på")
    assert found.items == [] and "too common" in found.message


def test_a_long_query_searches_its_first_words_and_says_so(firm: dict[str, Customer], seller: Any) -> None:
    with translation.override("en"):
        found = search.search(seller, "fjordlys " + " ".join(f"ord{n}" for n in range(20)))
    assert found.items == [] and "first 10 words" in found.message


@given(st.text(max_size=80))
def test_search_never_raises_whatever_the_text(seller: Any, typed: str) -> None:
    search.search(seller, typed)


# ------------------------------------------------------------------------------------------ similarity


def test_rank_finds_the_most_similar_objects_first(seller: Any) -> None:
    target = make_customer(
        "Målobjekt AS", notes="Dataplattform i Azure med integrasjon mot SAP og rapportering i Power BI."
    )
    close = make_customer("Nær AS", notes="Ny dataplattform med integrasjon mot SAP og rapporter i Power BI.")
    far = make_customer("Fjern AS", notes="Byggeledelse for nytt kontorbygg og BIM-koordinering.")
    some = make_customer("Litt AS", notes="Rapportering i Excel for økonomiavdelingen.")
    search.reindex()
    ranked = search.rank(target.notes, kinds=["customers"], exclude=[("customers", target.pk)])
    ids = [object_id for _kind, object_id, _score in ranked]
    assert ids[0] == close.pk
    assert far.pk not in ids and target.pk not in ids
    assert some.pk in ids
    assert all(kind == "customers" for kind, _id, _score in ranked)
    assert ranked == sorted(ranked, key=lambda row: -row[2])


def test_rank_of_nothing_informative_is_empty(db: Any) -> None:
    assert search.rank("og i på") == []


@pytest.fixture(autouse=True)
def _empty_index(db: Any) -> Iterator[None]:
    """Each test starts from an empty index (the test's transaction rolls its rows back)."""
    assert engine().kinds() == set()
    yield
