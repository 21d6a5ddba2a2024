"""How search reads words: stems in Norwegian and English, queries that cannot inject syntax, snippets."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samspill.workspace.search import text
from samspill.workspace.search.engines import Filters, fts5_match, pg_match


@pytest.mark.parametrize(
    ("inflected", "base"),
    [
        ("avvikene", "avvik"),
        ("avviket", "avvik"),
        ("tilbudet", "tilbud"),
        ("tilbudene", "tilbud"),
        ("prosjektene", "prosjekt"),
        ("kundens", "kunde"),
        ("møtene", "møte"),
    ],
)
def test_norwegian_inflections_share_a_stem(inflected: str, base: str) -> None:
    assert text.stem(inflected, text.NORWEGIAN) == text.stem(base, text.NORWEGIAN)


@pytest.mark.parametrize(("inflected", "base"), [("projects", "project"), ("delivering", "delivered")])
def test_english_inflections_share_a_stem(inflected: str, base: str) -> None:
    assert text.stem(inflected, text.ENGLISH) == text.stem(base, text.ENGLISH)


def test_words_are_lower_case_and_split_at_anything_but_letters_and_digits() -> None:
    assert text.words("Kari.Nordmann@Fjordlys.no: E-post, «ØKONOMI» v2_final") == [
        "kari",
        "nordmann",
        "fjordlys",
        "no",
        "e",
        "post",
        "økonomi",
        "v2",
        "final",
    ]


def test_the_language_of_a_text_is_told_by_its_small_words() -> None:
    norwegian = "Vi har levert prosjektet, og det er godkjent av kunden som skal ha det i drift."
    english = "We have delivered the project and it was approved by the customer, which is happy."
    assert text.languages_of(text.words(norwegian)) == (text.NORWEGIAN,)
    assert text.languages_of(text.words(english)) == (text.ENGLISH,)
    assert text.languages_of(text.words("Fjordlys Energi AS")) == text.BOTH


def test_a_query_leaves_out_common_words_and_makes_the_last_word_a_prefix() -> None:
    query = text.parse("drift og forvaltn")
    assert [term.word for term in query.terms] == ["drift", "forvaltn"]
    assert [term.prefix for term in query.terms] == [False, True]
    assert text.parse("og i på").only_stop_words


def test_a_query_keeps_its_first_ten_words() -> None:
    query = text.parse(" ".join(f"ord{n}" for n in range(25)))
    assert len(query.terms) == text.MAX_TERMS and query.ignored == 15


@given(st.text(max_size=300))
def test_no_query_reaches_fts5_as_syntax(typed: str) -> None:
    query = text.parse(typed)
    if not query:
        return
    expansions = {value: [value, value + "x"] for term in query.terms for _lang, value in term.forms}
    match = fts5_match(query, Filters(kinds=("customers",), customer_id=3), expansions)
    # Outside the quoted strings there is only our own syntax.
    outside = re.sub(r'"[^\W_]+"', "", match)
    assert re.fullmatch(r"[(){} :*A-Za-z_0-9]*", outside.replace(" OR ", " ").replace(" AND ", " "))
    assert set(re.findall(r"[A-Za-z_]+", outside)) <= {
        "OR",
        "AND",
        "meta",
        "title_nb",
        "body_nb",
        "title_en",
        "body_en",
    }


@given(st.text(max_size=300))
def test_no_query_reaches_to_tsquery_as_operators(typed: str) -> None:
    query = text.parse(typed)
    if not query:
        return
    _condition, params, _rank, rank_params = pg_match(query)
    for param in params + rank_params:
        assert re.fullmatch(r"[^\W_]+(:\*)?", param), param


def test_a_snippet_shows_the_passage_around_the_first_match_escaped() -> None:
    body = "Innledning. " * 40 + "Her står det om <b>avvikene</b> i prosjektet & mer. " + "Slutt. " * 40
    snippet = text.snippet(body, text.parse("avvik"), languages=(text.NORWEGIAN,))
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "&lt;b&gt;<mark>avvikene</mark>&lt;/b&gt;" in snippet and "&amp;" in snippet
    assert len(re.sub(r"</?mark>", "", snippet)) < 300


@given(st.text(max_size=400), st.text(max_size=40))
def test_a_snippet_has_no_markup_but_its_marks(body: str, typed: str) -> None:
    snippet = text.snippet(body, text.parse(typed))
    assert "<" not in re.sub(r"</?mark>", "", snippet)
