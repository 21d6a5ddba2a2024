"""Measure search at `large` with 100 000 extracted documents, on SQLite or PostgreSQL.

    .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --database-url postgres://postgres@127.0.0.1:5432/samspill_bench_search

Seeds `large` into a new SQLite database in a temporary folder (or, with --database-url, an empty
PostgreSQL database); the seed ends by building the search index. The seed's own documents are
searched when there are --documents of them; otherwise (or with --generated) a stand-in table of
generated Norwegian text is added (a title, the extracted text, a customer, one in ten confidential:
visible only to the customer's account owner), registered as the "documents" search source, and the
index rebuilt. Then each typical query runs as the demo seller through `search()`, the search page
and the API (django.test.Client); the table gives the median and 95th percentile server time of
--requests runs, and the queries one run makes. --var-dir keeps the database for another run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

WARM_UP = 3
TABLE = "bench_search_document"
RARE = "kvantesikker"  # put into exactly RARE_DOCUMENTS documents
RARE_DOCUMENTS = 25
# (case, query, extra filters) for the seed's documents ...
CASES: list[tuple[str, str, dict[str, str]]] = [
    ("1 term", "avvik", {}),
    ("2 terms", "tilbud leveranse", {}),
    ("rare term", "elvsund", {}),
    ("common term", "løsningen", {}),
    ("prefix", "integr", {}),
    ("inflected, 2 terms", "kravspesifikasjonen skydrift", {}),
    ("2 terms, documents only", "tilbud leveranse", {"kind": "documents"}),
]
# ... and for the generated ones.
GENERATED_CASES: list[tuple[str, str, dict[str, str]]] = [
    ("1 term", "avvik", {}),
    ("2 terms", "tilbud leveranse", {}),
    ("rare term", RARE, {}),
    ("common term", "prosjektet", {}),
    ("prefix", "integr", {}),
    ("inflected, 2 terms", "avvikene milepælen", {}),
    ("2 terms, documents only", "tilbud leveranse", {"kind": "documents"}),
]


def _split(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = _split(
    """
    og i på av for med til som det er en et at vi skal kan har ble fra om ikke også etter den de ved
    når må være vil denne dette alle mer enn hvis slik
    """
)
NOUNS = {  # base form: inflected forms
    "avvik": "avviket avvikene avviks",
    "tilbud": "tilbudet tilbudene tilbudsfrist",
    "leveranse": "leveransen leveransene leveranser",
    "prosjekt": "prosjektet prosjektene prosjekter",
    "kunde": "kunden kundene kunder",
    "kontrakt": "kontrakten kontraktene kontrakter",
    "krav": "kravet kravene",
    "løsning": "løsningen løsningene løsninger",
    "risiko": "risikoen risikoer risikoene",
    "møte": "møtet møtene møter",
    "plan": "planen planene planer",
    "fremdrift": "fremdriften",
    "budsjett": "budsjettet budsjettene",
    "estimat": "estimatet estimatene estimater",
    "ressurs": "ressursen ressursene ressurser",
    "milepæl": "milepælen milepælene milepæler",
    "endring": "endringen endringene endringer",
    "leverandør": "leverandøren leverandørene",
    "system": "systemet systemene systemer",
    "integrasjon": "integrasjonen integrasjonene integrasjoner",
    "plattform": "plattformen plattformene",
    "sikkerhet": "sikkerheten",
    "tilgang": "tilgangen tilganger",
    "bruker": "brukeren brukerne brukere",
    "test": "testen testene tester",
    "drift": "driften",
    "forvaltning": "forvaltningen",
    "rapport": "rapporten rapportene rapporter",
    "avtale": "avtalen avtalene avtaler",
    "faktura": "fakturaen fakturaene",
    "pris": "prisen prisene priser",
    "gevinst": "gevinsten gevinstene gevinster",
    "arkitektur": "arkitekturen",
    "migrering": "migreringen",
    "opplæring": "opplæringen",
    "styringsgruppe": "styringsgruppen styringsgruppemøte",
    "konsulent": "konsulenten konsulentene konsulenter",
    "timeestimat": "timeestimatet",
    "kvalitet": "kvaliteten",
    "dokumentasjon": "dokumentasjonen",
    "tidsplan": "tidsplanen",
    "oppdrag": "oppdraget oppdragene",
    "anskaffelse": "anskaffelsen anskaffelser",
    "tjeneste": "tjenesten tjenestene tjenester",
    "prosess": "prosessen prosessene prosesser",
}
VERBS = _split(
    """
    levere leverer leverte levert avklare avklarer avklart godkjenne godkjent planlegge planlagt
    teste testet beskrive beskriver følge følger fulgt oppdatere oppdatert sende sendt vurdere
    vurdert gjennomføre gjennomført etablere etablert
    """
)
ADJECTIVES = _split(
    """
    ny nye viktig viktige kritisk kritiske forsinket ferdig åpen åpne faglig samlet endelig
    """
)
COMPOUND_HEADS = _split(
    """
    sky data kunde tjeneste system drift sikkerhets integrasjons test bruker rapport prosjekt
    kontrakt pris ressurs tids kvalitets leveranse risiko endrings gevinst plattform arkitektur
    migrerings opplærings budsjett faktura lisens nett energi bygg helse
    """
)
COMPOUND_TAILS = _split(
    """
    analyse plan strategi portal løsning modell oversikt rutine krav avtale register katalog rapport
    arkitektur design styring leder ansvarlig grensesnitt prosess møte notat forslag rammeverk
    """
)
TITLES = [
    "Tilbud {area}",
    "Statusrapport uke {week}",
    "Referat fra styringsgruppemøte {week}",
    "Kravspesifikasjon {area}",
    "Avviksrapport {area}",
    "Løsningsbeskrivelse {area}",
    "Kontrakt {area}",
    "Endringsmelding {week}",
    "Sluttrapport {area}",
]


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=400, help="Mean words per document.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default="2026-11-27")
    parser.add_argument("--requests", type=int, default=30, help="Timed runs per case.")
    parser.add_argument("--database-url", default="", help="An empty database to seed instead of SQLite.")
    parser.add_argument(
        "--var-dir",
        default="",
        help="Keep the SQLite database in this folder; if it (or --database-url) already holds the "
        "documents, measure again without seeding.",
    )
    parser.add_argument(
        "--reindex", action="store_true", help="With a kept database: rebuild the index first."
    )
    parser.add_argument(
        "--generated", action="store_true", help="Search generated documents even if the seed made enough."
    )
    return parser.parse_args()


def _configure(args: argparse.Namespace) -> str:
    var_dir = args.var_dir or tempfile.mkdtemp(prefix="samspill-bench-search-")
    os.environ["SAMSPILL_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "samspill.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "false"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    return var_dir


# ------------------------------------------------------------------------------------------- documents


def _document_model() -> Any:
    """Return a stand-in for extracted documents: title, text, customer, confidential flag."""
    from django.db import models
    from django.db.models import Q

    class BenchDocumentQuerySet(models.QuerySet):
        def visible_to(self, user: Any) -> Any:
            """A confidential document is visible to its customer's account owner only."""
            return self.filter(Q(confidential=False) | Q(customer__account_owner=user))

    class BenchDocument(models.Model):
        customer = models.ForeignKey("customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False)
        title = models.CharField(max_length=200)
        confidential = models.BooleanField(default=False)
        updated_at = models.DateTimeField()
        # Last: SQLite reads a row's columns in order, and a long text before them would be read too.
        text = models.TextField()

        objects = BenchDocumentQuerySet.as_manager()

        class Meta:
            app_label = "demo"
            db_table = TABLE

        def __str__(self) -> str:
            return self.title

        def get_absolute_url(self) -> str:
            return f"/customers/{self.customer_id}/#document-{self.pk}"

    return BenchDocument


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Return content words and Zipf-like weights: a few very common, a long tail of rare compounds."""
    from samspill.demo import words

    content = [form for base, forms in NOUNS.items() for form in [base, *forms.split()]]
    content += VERBS + ADJECTIVES
    for text in [*words.AGREEMENT_AREAS, *words.SKILLS, *words.CUSTOMER_NOTES, *words.BUSINESSES]:
        content += [w.lower().strip(".,;") for w in text.split() if len(w) > 3]
    content = list(dict.fromkeys(content))
    rng.shuffle(content)
    content.insert(0, "prosjektet")  # the common term: in nearly every document
    compounds = [head + tail for head in COMPOUND_HEADS for tail in COMPOUND_TAILS]
    rng.shuffle(compounds)
    vocabulary = content + compounds
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(vocabulary))]
    return vocabulary, weights


def _text(rng: random.Random, vocabulary: list[str], weights: list[float], count: int) -> str:
    """Return `count` words in sentences: about two in five small words, the rest Zipf-drawn content."""
    content = rng.choices(vocabulary, weights=weights, k=count)
    small = rng.choices(FUNCTION_WORDS, k=count)
    out, sentence = [], []
    for n in range(count):
        sentence.append(small[n] if rng.random() < 0.4 else content[n])
        if len(sentence) >= rng.randint(8, 18):
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    if sentence:
        out.append(" ".join(sentence).capitalize() + ".")
    return " ".join(out)


def _add_documents(args: argparse.Namespace, model: Any) -> float:
    """Create the table and insert the documents; return the seconds it took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from samspill.customers.models import Customer
    from samspill.demo import words

    started = time.perf_counter()
    with connection.schema_editor() as editor:
        editor.create_model(model)
    rng = random.Random(f"{args.seed}:documents")
    vocabulary, weights = _vocabulary(rng)
    customers = list(Customer.objects.values_list("pk", flat=True))
    rare = set(rng.sample(range(args.documents), RARE_DOCUMENTS))
    now = timezone.now()
    batch = []
    with transaction.atomic():
        for n in range(args.documents):
            text = _text(rng, vocabulary, weights, max(20, int(rng.expovariate(1 / args.words))))
            if n in rare:
                text += f" Løsningen skal være {RARE} innen 2030."
            title = rng.choice(TITLES).format(area=rng.choice(words.AGREEMENT_AREAS), week=rng.randint(1, 52))
            batch.append(
                model(
                    customer_id=rng.choice(customers),
                    title=title,
                    text=text,
                    confidential=rng.random() < 0.1,
                    updated_at=now - datetime.timedelta(days=rng.randint(0, 3 * 365)),
                )
            )
            if len(batch) == 2000:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)
    return time.perf_counter() - started


def _register(model: Any) -> None:
    from samspill.lib import registry

    registry.register_search_source(
        registry.SearchSource(
            key="documents",
            label="Documents",
            model=model,
            fields=("title", "text"),
            visible_to=lambda user: model.objects.visible_to(user),
            title="title",
            customer="customer_id",
            date="updated_at",
            icon="file-earmark-text",
        )
    )


# ----------------------------------------------------------------------------------------- measuring


def _queries(run: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def _measure(run: Callable[[], Any], count: int) -> tuple[float, float]:
    for _n in range(WARM_UP):
        run()
    times = []
    for _n in range(count):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * len(times)) - 1)]


def _index_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size('search_entry')")
            return f"{cursor.fetchone()[0] / 1e6:.0f} MB (search_entry with its indexes)"
        cursor.execute(
            "SELECT sum(pgsize) FROM dbstat "
            "WHERE name LIKE 'search_%' OR name LIKE 'sqlite_autoindex_search%'"
        )
        found = cursor.fetchone()[0]
        return f"{(found or 0) / 1e6:.0f} MB (search_entry and the FTS5 tables)" if found else "unknown"


def _prepare(args: argparse.Namespace) -> tuple[str, bool]:
    """Seed (unless a kept database is reused) and make sure the documents are indexed.

    Return a description, and whether the documents are the generated ones.
    """
    from django.db import connection

    from samspill.lib.registry import registry
    from samspill.workspace import search

    notes = []
    if not ((args.var_dir or args.database_url) and "search_entry" in connection.introspection.table_names()):
        # As a person would, in their own processes: `samspill migrate`, then `samspill seed`.
        samspill = str(Path(sys.executable).parent / "samspill")
        subprocess.run([samspill, "migrate", "-v0"], check=True)
        started = time.perf_counter()
        seed = [
            samspill,
            "seed",
            "--size",
            args.size,
            "--seed",
            str(args.seed),
            "--today",
            args.today,
            "--reset",
        ]
        out = subprocess.run(seed, check=True, capture_output=True, text=True).stdout
        sys.stderr.write(out)
        notes.append(f"seeded `{args.size}` in {time.perf_counter() - started:.1f} s")
        notes += [
            f"the seed's index step: `{line.strip()}`" for line in out.splitlines() if "search " in line
        ]
    seeded = registry.search_sources.get("documents")
    if (
        TABLE in connection.introspection.table_names()
        or args.generated
        or not (seeded and seeded.model._default_manager.count() >= args.documents)
    ):
        model = _document_model()
        if TABLE not in connection.introspection.table_names():
            notes.append(
                f"{args.documents} generated documents inserted in {_add_documents(args, model):.1f} s"
            )
            args.reindex = True
        _register(model)
        notes.append(f"documents: the generated stand-in table (mean {args.words} words)")
        generated = True
    else:
        generated = False
        notes.append(f"documents: the seed's {seeded.model._default_manager.count()} documents")
    if args.reindex:
        started = time.perf_counter()
        counts = search.reindex()
        notes.append(
            "index rebuilt (`search.reindex()`) in "
            f"{time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        )
    notes.append(f"index size {_index_size()}")
    return "; ".join(notes), generated


def _load() -> str:
    """Return the machine's load average, which other processes on it make part of every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def _case_runners(selger: Any, words: str, filters: dict[str, str]) -> dict[str, Callable[[], Any]]:
    """Return the ways a case is run: the function, the page with a session, the API with a token."""
    from django.test import Client

    from samspill.people.actions import create_token
    from samspill.workspace import search

    browser = Client()
    browser.force_login(selger)
    _token, raw = create_token(selger, name="bench", by=selger)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    kinds = [filters["kind"]] if "kind" in filters else None
    query = urlencode({"q": words, **filters})

    def page() -> Any:
        response = browser.get(f"/search/?{query}")
        assert response.status_code == 200, response.status_code
        return response

    def api_call() -> Any:
        response = api.get(f"/api/v1/search?{query}")
        assert response.status_code == 200, response.content[:300]
        return response

    return {"function": lambda: search.search(selger, words, kinds=kinds), "page": page, "api": api_call}


def main() -> None:
    """Seed, add the documents, index, measure each case and print a Markdown table."""
    args = _arguments()
    var_dir = _configure(args)
    import django

    django.setup()
    from django.db import connection

    from samspill.people.models import Person

    try:
        described, generated = _prepare(args)
        selger = Person.objects.get(username="selger")
        print(f"\n{connection.vendor}: {described}; {args.requests} runs per case; {_load()}\n")
        print(
            "| case | query | results | search() median | p95 | queries "
            "| page median | p95 | queries | API median | p95 |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, words, filters in GENERATED_CASES if generated else CASES:
            run = _case_runners(selger, words, filters)
            found = run["function"]()
            function = _measure(run["function"], args.requests)
            page = _measure(run["page"], args.requests)
            api = _measure(run["api"], args.requests)
            count = f"{found.count}" + ("" if found.count_exact else "+")
            print(
                f"| {name} | `{words}` | {count} | {function[0]:.1f} | {function[1]:.1f} "
                f"| {_queries(run['function'])} | {page[0]:.1f} | {page[1]:.1f} | {_queries(run['page'])} "
                f"| {api[0]:.1f} | {api[1]:.1f} |"
            )
        print(f"\nAfter the runs: {_load()}")
    finally:
        if not args.var_dir:
            shutil.rmtree(Path(var_dir), ignore_errors=True)


if __name__ == "__main__":
    main()
