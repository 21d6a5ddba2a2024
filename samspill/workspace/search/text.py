"""How search reads text: words, their stems in Norwegian and English, queries and highlighted snippets.

Both engines see the same words: text is normalised (NFC, lower case) and cut into words here, so an
e-mail address or a hyphenated word is split the same way on SQLite and PostgreSQL. SQLite then gets
the stems computed here (snowballstemmer); PostgreSQL stems the same words itself with its
`norwegian` and `english` configurations, which are the same Snowball stemmers and stop words.

A text is stemmed in the language it is written in when that is clear from its small words (a
contract in Norwegian, a report in English) and in both languages otherwise (names, titles, short
notes), and a query word is looked up under its stems in both languages: "avvikene" finds "avvik",
"tilbudet" finds "tilbud", "projects" finds "project".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import snowballstemmer
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

NORWEGIAN = "norwegian"
ENGLISH = "english"
BOTH = (NORWEGIAN, ENGLISH)

# What one object contributes to the index at most: a long tender is searchable by its first
# 300 000 characters (about 100 pages), which also keeps PostgreSQL's tsvector far below its 1 MB limit.
MAX_TEXT = 300_000
# Longer "words" are base64, hashes or table rules from extracted files: nobody searches for them,
# and PostgreSQL would refuse words over 2 047 bytes anyway.
MAX_WORD = 60
# A query uses at most this many words; the rest of a pasted paragraph is ignored (and said so).
MAX_TERMS = 10
MAX_QUERY = 1_000
# The last word of a query also matches as the start of a word ("tilb" finds "tilbud") from this length.
MIN_PREFIX = 3

_WORD = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")


def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The stop words of PostgreSQL's `norwegian` and `english` configurations (Snowball's lists), so that
# SQLite leaves out exactly the words PostgreSQL leaves out.
STOP_WORDS = {
    NORWEGIAN: _listed(
        """
        og i jeg det at en et den til er som på de med han av ikke ikkje der så var meg seg men ett har
        om vi min mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor eller hva
        skal selv sjøl her alle vil bli ble blei blitt kunne inn når være kom noen noe ville dere deres
        kun ja etter ned skulle denne for deg si sine sitt mot å meget hvorfor dette disse uten hvordan
        ingen din ditt blir samme hvilken hvilke sånn inni mellom vår hver hvem vors hvis både bare enn
        fordi før mange også slik vært båe begge siden dykk dykkar dei deira deires deim di då eg ein
        eit eitt elles honom hjå ho hoe henne hennar hennes hoss hossen ingi inkje korleis korso kva
        kvar kvarhelst kven kvi kvifor me medan mi mine mykje no nokon noka nokor noko nokre sia sidan
        so somt somme um upp vere vore verte vort varte vart
        """
    ),
    ENGLISH: _listed(
        """
        i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
        her hers herself it its itself they them their theirs themselves what which who whom this that
        these those am is are was were be been being have has had having do does did doing a an the and
        but if or because as until while of at by for with about against between into through during
        before after above below to from up down in out on off over under again further then once here
        there when where why how all any both each few more most other some such no nor not only own
        same so than too very s t can will just don should now
        """
    ),
}
# Small words only one of the languages uses, to tell which language a text is written in.
_MARKERS = {
    NORWEGIAN: _listed(
        "og er det som på med av til ikke har vi skal kan ble fra om eller også blir denne dette etter må "
        "være vil hvis ved når"
    ),
    ENGLISH: _listed(
        "the and of is that with are be this we will from or by an it which should can has have not was when"
    ),
}
_SAMPLE = 2_000  # words looked at to tell the language


class _Stemmers(threading.local):
    """Snowball stemmers keep state while they work: one set per thread."""

    def __init__(self) -> None:
        self.by_language = {language: snowballstemmer.stemmer(language) for language in BOTH}


_stemmers = _Stemmers()
# Stems, and index forms, already computed per language. A firm's vocabulary is small next to its
# texts, so indexing mostly looks words up here.
_CACHE_LIMIT = 500_000
_stem_cache: dict[str, dict[str, str]] = {NORWEGIAN: {}, ENGLISH: {}}
_index_cache: dict[str, dict[str, str]] = {NORWEGIAN: {}, ENGLISH: {}}


def normalise(text: str) -> str:
    """Return `text` composed (NFC) and in lower case, as both engines compare it."""
    return unicodedata.normalize("NFC", text).lower()


def words(text: str) -> list[str]:
    """Return the words of `text` (letters and digits; not underscores), normalised, in order."""
    return [word for word in _WORD.findall(normalise(text[:MAX_TEXT])) if len(word) <= MAX_WORD]


def has_digit(word: str) -> bool:
    """Words with digits (org numbers, "v2", "2025") are kept as they are, unstemmed, as PostgreSQL does."""
    return _DIGIT.search(word) is not None


def stem(word: str, language: str) -> str:
    """Return the Snowball stem of a normalised word."""
    cache = _stem_cache[language]
    found = cache.get(word)
    if found is None:
        found = _stemmers.by_language[language].stemWord(word)
        if len(cache) < _CACHE_LIMIT:
            cache[word] = found
    return found


def index_form(word: str, language: str) -> str:
    """Return how a text in `language` stores the word: its stem, the word itself if it has digits, or
    nothing for a stop word."""
    cache = _index_cache[language]
    found = cache.get(word)
    if found is None:
        if has_digit(word):
            found = word
        elif word in STOP_WORDS[language]:
            found = ""
        else:
            found = stem(word, language)
        if len(cache) < _CACHE_LIMIT:
            cache[word] = found
    return found


def languages_of(tokens: list[str]) -> tuple[str, ...]:
    """Return the language a text is written in, or both when its small words do not tell."""
    norwegian = english = 0
    norwegian_markers, english_markers = _MARKERS[NORWEGIAN], _MARKERS[ENGLISH]
    for word in tokens[:_SAMPLE]:
        if word in norwegian_markers:
            norwegian += 1
        elif word in english_markers:
            english += 1
    if norwegian >= 3 and norwegian >= 3 * english:
        return (NORWEGIAN,)
    if english >= 3 and english >= 3 * norwegian:
        return (ENGLISH,)
    return BOTH


def stemmed(tokens: Iterable[str], language: str) -> str:
    """Return the words as the SQLite index stores them for a text in `language`: stems, by spaces."""
    form = _index_cache[language].get
    out = []
    for word in tokens:
        found = form(word)
        if found is None:
            found = index_form(word, language)
        if found:
            out.append(found)
    return " ".join(out)


# ------------------------------------------------------------------------------------------- queries

ANY = ""  # an alternative looked up in every column: words with digits, and the word being typed as typed


@dataclass(frozen=True)
class Term:
    """One word of a query and the forms it is looked up under: (language, stem), any of which may match.

    A stem is only compared with text stemmed in the same language, so that the English stem of
    "fjordlys" ("fjord") does not find every Norwegian text about a fjord.
    """

    word: str
    forms: tuple[tuple[str, str], ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """A parsed query: every term must match (AND), each under any of its forms (OR)."""

    text: str
    terms: tuple[Term, ...]
    ignored: int = 0  # words beyond MAX_TERMS
    only_stop_words: bool = False

    def __bool__(self) -> bool:
        return bool(self.terms)

    def matcher(self, languages: tuple[str, ...] = BOTH) -> Callable[[str], bool]:
        """Return a test of whether a normalised word of a text in `languages` matches a term."""
        exact = {form for term in self.terms if not term.prefix for form in term.forms}
        starts: dict[str, tuple[str, ...]] = {}
        for term in self.terms:
            if term.prefix:
                for language, value in term.forms:
                    for applies in languages if language == ANY else (language,):
                        starts[applies] = (*starts.get(applies, ()), value)
        starts_any = tuple(
            value for term in self.terms if term.prefix for lang, value in term.forms if lang == ANY
        )
        seen: dict[str, bool] = {}

        def matches(word: str) -> bool:
            found = seen.get(word)
            if found is None:
                if has_digit(word):
                    found = (ANY, word) in exact
                else:
                    stems = [(language, stem(word, language)) for language in languages]
                    found = (
                        (ANY, word) in exact
                        or any(form in exact for form in stems)
                        or any(value.startswith(starts.get(language, ())) for language, value in stems)
                        or bool(starts_any and word.startswith(starts_any))
                    )
                seen[word] = found
            return found

        return matches

    def heads(self) -> set[str]:
        """Return how every word a term can match starts, to skip the other words of a text fast."""
        return {
            form[:MIN_PREFIX] for term in self.terms for form in (term.word, *(s for _l, s in term.forms))
        }


def parse(text: str) -> Query:
    """Return the query in `text`: its words, stemmed; the last one also as a prefix while typing."""
    unique = list(dict.fromkeys(words(text[:MAX_QUERY])))
    kept, ignored = unique[:MAX_TERMS], max(0, len(unique) - MAX_TERMS)
    terms = []
    for n, word in enumerate(kept):
        typing = n == len(kept) - 1 and not ignored and len(word) >= MIN_PREFIX and not has_digit(word)
        term = _prefix_term(word) if typing else _term(word)
        if term.forms:
            terms.append(term)
    return Query(text, tuple(terms), ignored, only_stop_words=bool(kept) and not terms)


def _term(word: str) -> Term:
    """A whole word of the query. A stop word in either language is left out: a Norwegian text does not
    index "og", so requiring its English form would hide every Norwegian text from "drift og forvaltning"."""
    if has_digit(word):
        return Term(word, ((ANY, word),))
    if any(word in STOP_WORDS[language] for language in BOTH):
        return Term(word, ())
    return Term(word, tuple((language, stem(word, language)) for language in BOTH))


def _prefix_term(word: str) -> Term:
    """The word being typed: the start of a word under its stems and as typed ("for" finds "forsikring")."""
    forms = [(lang, stem(word, lang)) for lang in BOTH if word not in STOP_WORDS[lang]]
    if len(forms) < len(BOTH) or not all(word.startswith(s) for _lang, s in forms):
        forms.append((ANY, word))
    return Term(word, tuple(forms), prefix=True)


def informative(text: str, *, count: int = 20) -> Query:
    """Return a query of the words that best characterise `text`, for "more like this" (any may match)."""
    tokens = words(text)
    languages = languages_of(tokens)
    frequency: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}  # a word with the stem, for PostgreSQL to stem itself
    for word in tokens:
        if len(word) >= 4 and not has_digit(word):
            for language in languages:
                if word not in STOP_WORDS[language]:
                    form = (language, stem(word, language))
                    frequency[form] += 1
                    example.setdefault(form, word)
    # Frequent in the text first; longer (rarer, more specific) words break ties.
    best = sorted(frequency, key=lambda form: (-frequency[form], -len(form[1]), form))[:count]
    return Query(text[:200], tuple(Term(example[form], (form,)) for form in best))


# ------------------------------------------------------------------------------------------ snippets

SNIPPET_LENGTH = 220
_SNIPPET_SCAN = 50_000  # where the first match is looked for; beyond it the snippet is the text's start
_SPACE = re.compile(r"\s+")


class Highlighter:
    """Marks the words of texts in `languages` that match `query`: titles whole, bodies as a snippet."""

    def __init__(self, query: Query, languages: tuple[str, ...] = BOTH) -> None:
        self.matches = query.matcher(languages)
        heads = sorted(query.heads(), key=len, reverse=True)
        # Only a word starting like a term can match it: the others are skipped without stemming.
        self.candidates = (
            re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, heads)) + r")[^\W_]*", re.IGNORECASE)
            if heads
            else None
        )

    def _marked(self, text: str) -> list[tuple[int, int]]:
        if self.candidates is None:
            return []
        return [m.span() for m in self.candidates.finditer(text) if self.matches(normalise(m.group()))]

    def highlight(self, text: str) -> SafeString:
        """Return `text` escaped, with the words that match wrapped in <mark>."""
        parts: list[str] = []
        position = 0
        for begin, end in self._marked(text):
            parts.append(escape(text[position:begin]))
            parts.append(f"<mark>{escape(text[begin:end])}</mark>")
            position = end
        parts.append(escape(text[position:]))
        return mark_safe("".join(parts))  # noqa: S308 (every part above is escaped)

    def snippet(self, text: str, length: int = SNIPPET_LENGTH) -> SafeString:
        """Return a short passage of `text` around its first matching word, highlighted and escaped."""
        text = text[:_SNIPPET_SCAN]
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        start = self._first(text)
        begin = 0 if start is None or start < length // 3 else _word_start(text, start - length // 4)
        end = min(len(text), begin + length + 40)  # room for the whitespace collapsed below
        passage = _SPACE.sub(" ", text[begin:end]).strip()
        cut = len(passage) > length
        if cut:
            passage = passage[: passage.rfind(" ", 0, length) if " " in passage[:length] else length]
        more = cut or end < len(text)
        return mark_safe(("… " if begin else "") + self.highlight(passage) + (" …" if more else ""))  # noqa: S308

    def _first(self, text: str) -> int | None:
        if self.candidates is None:
            return None
        for found in self.candidates.finditer(text):
            if self.matches(normalise(found.group())):
                return found.start()
        return None


def highlight(text: str, query: Query, languages: tuple[str, ...] = BOTH) -> SafeString:
    """Return `text` escaped, with the words that match `query` wrapped in <mark>."""
    return Highlighter(query, languages).highlight(text)


def snippet(text: str, query: Query, *, languages: tuple[str, ...] = BOTH) -> SafeString:
    """Return a short passage of `text` around the first word that matches `query`, highlighted."""
    return Highlighter(query, languages).snippet(text)


def _word_start(text: str, position: int) -> int:
    space = text.find(" ", max(0, position))
    return position if space == -1 else space + 1
