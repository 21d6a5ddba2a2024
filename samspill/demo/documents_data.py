"""The demo's workspace documents: tender documents, offers, specifications, minutes, reports and contracts
in Norwegian, as real DOCX, PDF, Markdown and text files, with their text already read so search finds them.

The first `RICH` documents each get a file of their own, written through the document storage. Beyond
that (the `large` size has 100 000) the rows share one stored file per kind and format, so that seeding
stays fast and every document still downloads; each row's text is its own.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import random
import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db.models import OuterRef, Subquery
from docx import Document as DocxDocument

from samspill.demo import fiction
from samspill.demo.generator import BATCH, Context, initial_changes
from samspill.workspace.models import Document, DocumentKind, DocumentVersion, Extraction
from samspill.workspace.storage import document_storage

# Documents with a stored file of their own; the rest share one file per kind and format.
RICH = 150
# Extracted text kept for a shared-file row: a few paragraphs, as search needs.
SHARED_PARAGRAPHS = 3
EVENT_FIELDS = ["title", "kind"]

FORMATS = {
    DocumentKind.TENDER: "pdf",
    DocumentKind.OFFER: "docx",
    DocumentKind.SPECIFICATION: "docx",
    DocumentKind.MINUTES: "md",
    DocumentKind.REPORT: "pdf",
    DocumentKind.CONTRACT: "pdf",
    DocumentKind.OTHER: "txt",
}
MIME = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "md": ("markdown", "text/markdown"),
    "txt": ("text", "text/plain"),
}

THEMES = [
    ("innlogging med ID-porten og BankID", "brukerne logger inn én gang og når alle tjenestene"),
    ("integrasjon mot sak- og arkivsystemet", "alle henvendelser journalføres automatisk"),
    ("universell utforming etter WCAG 2.1 AA", "løsningen skal kunne brukes av alle innbyggere"),
    (
        "personvern og behandling av personopplysninger",
        "databehandleravtale og DPIA skal foreligge før oppstart",
    ),
    ("drift og forvaltning med tjenestenivå (SLA)", "kritiske feil rettes innen fire timer i arbeidstiden"),
    ("migrering av historiske data", "data fra det gamle fagsystemet flyttes uten tap"),
    ("rapportering og styringsinformasjon i Power BI", "ledelsen får oppdaterte nøkkeltall hver uke"),
    ("mobil feltapp for registrering av avvik", "montørene registrerer avvik direkte fra anlegget"),
    ("skybasert plattform i Azure", "løsningen driftes i norsk region med kryptering av data"),
    ("automatisering av fakturagrunnlag", "timer og materiell overføres til økonomisystemet hver natt"),
    ("opplæring og endringsledelse", "superbrukere læres opp før utrulling i hele organisasjonen"),
    ("informasjonssikkerhet etter ISO 27001", "tilganger styres etter rolle og logges"),
]
RISKS = [
    "Uklare krav til integrasjoner kan gi merarbeid i realiseringsfasen.",
    "Kunden har begrenset kapasitet til testing i sommerferien.",
    "Leveransen avhenger av at dagens leverandør bistår med datauttrekk.",
    "Nøkkelpersoner hos kunden er også involvert i andre prosjekter.",
    "Tidsplanen forutsetter beslutning i styringsgruppen innen fire uker.",
]
MEETINGS = ["Oppstartsmøte", "Avklaringsmøte", "Statusmøte", "Styringsgruppemøte", "Arbeidsmøte om krav"]
REPORT_TITLES = ["Statusrapport", "Forstudie", "Evalueringsrapport", "Gevinstanalyse"]


@dataclass
class Workspace:
    """An object documents are put in: a customer or an opportunity, and what its documents talk about."""

    obj: Any
    customer: Any
    topic: str
    by: Any
    since: datetime.datetime
    kinds: list[str]
    public: bool


@dataclass
class Planned:
    workspace: Workspace
    kind: str
    title: str
    file_name: str
    paragraphs: list[str]
    at: datetime.datetime
    versions: int = 1
    rows: dict[str, Any] = field(default_factory=dict)


def documents(ctx: Context) -> dict[str, int]:
    """Put documents in the workspaces of the demo seller's opportunities and customers first."""
    wanted = ctx.size.get("documents", 0)
    plans = list(_plans(ctx, wanted))
    shared: dict[tuple[str, str], tuple[str, int, str, int | None]] = {}
    made: list[Document] = []
    versions: list[DocumentVersion] = []
    for n, plan in enumerate(plans):
        document, rows = _rows(ctx, plan, rich=n < RICH, shared=shared)
        made.append(document)
        versions += rows
    Document.objects.bulk_create(made, batch_size=BATCH)
    for version in versions:
        version.document_id = version.document.pk
    DocumentVersion.objects.bulk_create(versions, batch_size=BATCH)
    newest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number").values("pk")[:1]
    Document.objects.filter(current__isnull=True).update(current=Subquery(newest))
    # The feeds show the uploads of the documents with files of their own (the demo people's workspaces
    # come first); a bulk row's upload event would only slow the seed and the feeds' queries down.
    for plan, document in zip(plans[:RICH], made[:RICH], strict=True):
        _record(ctx, plan, document)
    return {
        "documents": len(made),
        "versions": len(versions),
        "stored files": len({version.file.name for version in versions}),
    }


# ------------------------------------------------------------------------------------------ what to write


def _workspaces(ctx: Context) -> tuple[list[Workspace], list[Workspace]]:
    """Return the demo seller's workspaces, and everybody else's in a random order."""
    selger = ctx.demo("selger")
    opportunities = ctx.made.get("opportunities", [])
    customers = [c for c in ctx.made["customers"] if c.archived_at is None]
    mine_o = [_of_opportunity(o) for o in opportunities if o.owner_id == selger.pk]
    mine_c = [_of_customer(ctx, c) for c in customers if c.account_owner_id == selger.pk]
    others_o = [o for o in opportunities if o.owner_id != selger.pk]
    others_c = [c for c in customers if c.account_owner_id != selger.pk]
    ctx.rng.shuffle(others_o)
    ctx.rng.shuffle(others_c)
    others = _interleave([_of_opportunity(o) for o in others_o], [_of_customer(ctx, c) for c in others_c])
    return _interleave(mine_o, mine_c), others


def _interleave(many: list[Workspace], few: list[Workspace]) -> list[Workspace]:
    if not few:
        return many
    step = max(1, len(many) // len(few))
    result: list[Workspace] = []
    for n, workspace in enumerate(many):
        result.append(workspace)
        if n % step == 0 and few:
            result.append(few.pop())
    return result + few


def _of_opportunity(opportunity: Any) -> Workspace:
    stage = str(getattr(opportunity, "stage", ""))
    kinds = [DocumentKind.TENDER, DocumentKind.SPECIFICATION, DocumentKind.MINUTES]
    if stage in ("offer_sent", "negotiation", "won", "lost"):
        kinds.append(DocumentKind.OFFER)
    if stage == "won":
        kinds.append(DocumentKind.CONTRACT)
    customer = opportunity.customer
    return Workspace(
        obj=opportunity,
        customer=customer,
        topic=opportunity.title,
        by=opportunity.owner,
        since=opportunity.created_at,
        kinds=[str(k) for k in kinds],
        public=customer.segment == "public",
    )


def _of_customer(ctx: Context, customer: Any) -> Workspace:
    kinds = [DocumentKind.MINUTES, DocumentKind.REPORT]
    if ctx.rng.random() < 0.4:
        kinds.append(DocumentKind.CONTRACT)
    return Workspace(
        obj=customer,
        customer=customer,
        topic=f"samarbeidet med {customer.name}",
        by=customer.account_owner,
        since=customer.created_at,
        kinds=[str(k) for k in kinds],
        public=customer.segment == "public",
    )


def _plans(ctx: Context, wanted: int) -> Iterator[Planned]:
    """Plan `wanted` documents: up to half in the demo seller's workspaces, the rest in the others'."""
    mine, others = _workspaces(ctx)
    count = 0
    for phase, limit in ((mine, wanted // 2), (others, wanted)):
        while phase and count < limit:
            for workspace in phase:  # round after round if the workspaces are fewer than the documents
                for kind in workspace.kinds:
                    if count >= limit:
                        break
                    yield _plan(ctx, workspace, kind, rich=count < RICH)
                    count += 1
                if count >= limit:
                    break
            if phase is mine:
                break  # the demo seller's workspaces get one round


def _plan(ctx: Context, workspace: Workspace, kind: str, *, rich: bool) -> Planned:
    rng = ctx.rng
    title, paragraphs = WRITERS[DocumentKind(kind)](rng, workspace)
    if not rich:
        paragraphs = paragraphs[:SHARED_PARAGRAPHS]
    extension = FORMATS[DocumentKind(kind)]
    file_name = f"{_file_stem(title)}.{extension}"
    at = fiction.later(rng, workspace.since, ctx.today, within=200)
    versions = 2 if kind in (DocumentKind.OFFER, DocumentKind.SPECIFICATION) and rng.random() < 0.35 else 1
    return Planned(workspace, kind, title, file_name, paragraphs, at, versions)


def _lowered(topic: str) -> str:
    """Return a title as it reads inside a sentence: "Måledata fra Elhub" → "måledata fra Elhub"."""
    return topic[:1].lower() + topic[1:]


def _file_stem(title: str) -> str:
    """Return a file name as people save them: the title, without the characters file systems refuse."""
    return re.sub(r'[\\/:*?"<>|]+', "-", title).strip(" .-")[:120] or "Dokument"


def _name(person: Any, otherwise: str) -> str:
    return str(person.get_full_name()) if person is not None else otherwise


def _short(customer: Any) -> str:
    return str(customer.name).removesuffix(" AS").removesuffix(" ASA")


def _tender(rng: random.Random, w: Workspace) -> tuple[str, list[str]]:
    themes = rng.sample(THEMES, 4)
    due = (w.since + datetime.timedelta(days=rng.randint(20, 45))).strftime("%d.%m.%Y")
    kind = "åpen anbudskonkurranse" if w.public else "konkurranse med forhandling"
    return f"Konkurransegrunnlag – {w.topic}", [
        f"{w.customer.name} inviterer til {kind} om {_lowered(w.topic)}.",
        "1. Om oppdraget. Oppdragsgiver ønsker en leverandør som kan levere, innføre og forvalte løsningen. "
        + " ".join(f"Løsningen skal dekke {t[0]}, slik at {t[1]}." for t in themes[:2]),
        "2. Kvalifikasjonskrav. Leverandøren skal ha gjennomført minst tre tilsvarende oppdrag de siste fem "
        "årene og dokumentere økonomisk og finansiell kapasitet.",
        "3. Tildelingskriterier. Pris vektes 40 %, kvalitet og gjennomføringsevne 40 % og kompetanse hos "
        "tilbudt personell 20 %.",
        "4. Krav til løsningen. " + " ".join(f"Krav om {t[0]}: {t[1]}." for t in themes[2:]),
        f"5. Frister. Spørsmål stilles innen ti dager før tilbudsfristen. Tilbudsfrist er {due} kl. 12.00.",
        "Kontrakt inngås på SSA-T (totalleveranse) med tilpasninger i bilag 1 og 2.",
    ]


def _specification(rng: random.Random, w: Workspace) -> tuple[str, list[str]]:
    themes = rng.sample(THEMES, 6)
    return f"Kravspesifikasjon – {w.topic}", [
        f"Denne kravspesifikasjonen beskriver behovene til {w.customer.name} for {_lowered(w.topic)}.",
        *(
            f"K-{n:02d} {t[0].capitalize()}. Løsningen skal støtte {t[0]}, og {t[1]}. "
            f"Kravet er {'absolutt' if n % 3 == 1 else 'evaluert'}."
            for n, t in enumerate(themes, start=1)
        ),
        "Leverandøren skal beskrive hvordan hvert krav løses, og merke hvilke krav som krever tilpasning.",
    ]


def _offer(rng: random.Random, w: Workspace) -> tuple[str, list[str]]:
    hours = rng.randrange(400, 6000, 50)
    rate = rng.randrange(1250, 1650, 25)
    themes = rng.sample(THEMES, 3)
    total = f"{hours * rate:,}".replace(",", " ")
    return f"Tilbud – {w.topic}", [
        f"Vi takker for muligheten til å gi tilbud til {w.customer.name} og viser til konkurransegrunnlaget.",
        "Vår forståelse av behovet. " + " ".join(f"Dere trenger {t[0]}, slik at {t[1]}." for t in themes),
        f"Løsningsforslag. Vi foreslår en trinnvis leveranse i tre faser med gevinstrealisering fra første "
        f"fase. Prosjektleder er {_name(w.by, 'vår prosjektleder')}.",
        f"Pris. Estimatet er {hours} timer til en timepris på kr {rate}, til sammen kr {total} eks. mva.",
        "Forutsetninger. Kunden stiller med produkteier og testressurser, og med tilgang til testmiljø "
        "fra oppstart.",
        "Avgrensninger. Lisenser til tredjepartsprogramvare og endringer i kundens fagsystemer er ikke med.",
        "Risiko. " + rng.choice(RISKS),
    ]


def _minutes(rng: random.Random, w: Workspace) -> tuple[str, list[str]]:
    meeting = rng.choice(MEETINGS)
    first, last = fiction.person_name(rng)
    themes = rng.sample(THEMES, 2)
    return f"Referat {meeting.lower()} – {_short(w.customer)}", [
        f"Møte: {meeting} om {_lowered(w.topic)}.",
        f"Til stede: {first} {last} ({w.customer.name}), {_name(w.by, 'kundeansvarlig')}.",
        f"Sak 1. Status. Partene gikk gjennom fremdriften. {rng.choice(RISKS)}",
        f"Sak 2. Behov. Kunden ønsker {themes[0][0]}, slik at {themes[0][1]}.",
        f"Sak 3. Veien videre. Vi avklarer {themes[1][0]} til neste møte.",
        "Oppfølgingspunkter: sende oppdatert fremdriftsplan; avklare testressurser; bekrefte neste møtedato.",
    ]


def _report(rng: random.Random, w: Workspace) -> tuple[str, list[str]]:
    title = rng.choice(REPORT_TITLES)
    colour = rng.choice(["grønn", "gul", "grønn", "rød"])
    themes = rng.sample(THEMES, 2)
    return f"{title} – {_short(w.customer)}", [
        f"{title} for {w.topic}.",
        f"Samlet status er {colour}. Arbeidet med {themes[0][0]} går etter planen.",
        f"Avvik: {rng.choice(RISKS)} Tiltak er avtalt med kunden.",
        f"Neste periode: vi starter arbeidet med {themes[1][0]}, slik at {themes[1][1]}.",
        "Økonomi: forbruket ligger innenfor rammen; prognosen ved ferdigstillelse er uendret.",
    ]


def _contract(rng: random.Random, w: Workspace) -> tuple[str, list[str]]:
    return f"Avtale – {w.topic}", [
        f"Avtale mellom {w.customer.name} (kunden) og leverandøren om {_lowered(w.topic)}.",
        "Avtalen bygger på SSA-O, avtale om løpende tjenestekjøp over internett, med bilag 1 til 7.",
        "Bilag 1 beskriver kundens kravspesifikasjon; bilag 2 leverandørens løsningsbeskrivelse.",
        "Timepriser reguleres årlig etter konsumprisindeksen. Fakturering skjer månedlig etterskuddsvis.",
        f"Avtalen gjelder i to år med opsjon på forlengelse i {rng.choice(['ett', 'to'])} år.",
    ]


WRITERS = {
    DocumentKind.TENDER: _tender,
    DocumentKind.SPECIFICATION: _specification,
    DocumentKind.OFFER: _offer,
    DocumentKind.MINUTES: _minutes,
    DocumentKind.REPORT: _report,
    DocumentKind.CONTRACT: _contract,
}


# ------------------------------------------------------------------------------------------ rows and files


def _rows(
    ctx: Context, plan: Planned, *, rich: bool, shared: dict[tuple[str, str], Any]
) -> tuple[Document, list[DocumentVersion]]:
    workspace = plan.workspace
    extension = FORMATS[DocumentKind(plan.kind)]
    text = "\n\n".join([plan.title, *plan.paragraphs])
    document = Document(
        content_type=ContentType.objects.get_for_model(workspace.obj),
        object_id=workspace.obj.pk,
        customer_id=workspace.customer.pk,
        title=plan.title[:200],
        kind=plan.kind,
        text=text,
        created_by=workspace.by,
        created_at=plan.at,
        updated_at=plan.at,
        version=plan.versions,
    )
    rows = []
    at = plan.at
    for number in range(1, plan.versions + 1):
        if number > 1:
            at = fiction.later(ctx.rng, at, ctx.today, within=30)
            document.updated_at = at
        if rich:
            paragraphs = plan.paragraphs if number == plan.versions else plan.paragraphs[:-1]
            stored = _store(ctx, plan.title, paragraphs, extension)
        else:
            stored = _shared(ctx, plan.kind, extension, shared)
        name, size, sha256, pages = stored
        kind, mime = MIME[extension]
        rows.append(
            DocumentVersion(
                document=document,
                number=number,
                file=name,
                original_name=_version_name(plan.file_name, number),
                size=size,
                sha256=sha256,
                file_kind=kind,
                mime_type=mime,
                uploaded_by=workspace.by,
                uploaded_at=at,
                extraction=Extraction.EXTRACTED,
                pages=pages,
                extracted_at=at + datetime.timedelta(seconds=ctx.rng.randint(2, 40)),
            )
        )
    plan.rows = {"versions": rows}
    return document, rows


def _version_name(file_name: str, number: int) -> str:
    """Return the name a later version was saved under: "Tilbud – Kunde v2.docx"."""
    if number == 1:
        return file_name
    stem, _dot, extension = file_name.rpartition(".")
    return f"{stem} v{number}.{extension}"


def _shared(ctx: Context, kind: str, extension: str, shared: dict[tuple[str, str], Any]) -> Any:
    key = (kind, extension)
    if key not in shared:
        title, paragraphs = WRITERS[DocumentKind(kind)](ctx.rng, _sample_workspace(ctx))
        shared[key] = _store(ctx, title, paragraphs, extension)
    return shared[key]


def _sample_workspace(ctx: Context) -> Workspace:
    customer = ctx.made["customers"][0]
    return Workspace(
        customer, customer, "konsulenttjenester", customer.account_owner, customer.created_at, [], False
    )


def _store(
    ctx: Context, title: str, paragraphs: list[str], extension: str
) -> tuple[str, int, str, int | None]:
    """Write one file through the document storage; return (stored name, size, SHA-256, pages)."""
    content, pages = RENDERERS[extension](title, paragraphs)
    # A name from the seeded randomness: seeding again with the same seed writes over the same files.
    name = f"documents/demo/{uuid.UUID(int=ctx.rng.getrandbits(128)).hex}"
    if document_storage.exists(name):
        document_storage.delete(name)
    stored = document_storage.save(name, ContentFile(content), max_length=255)
    return stored, len(content), hashlib.sha256(content).hexdigest(), pages


TITLE_MARK, BODY_MARK = "SAMSPILL-TITLE", "SAMSPILL-BODY"


@lru_cache(maxsize=1)
def _docx_template() -> tuple[bytes, str, str, str, str]:
    """Return a DOCX made by python-docx without its body part, and the body around a heading and a paragraph.

    Writing each document through python-docx costs tens of milliseconds (it reads and packs its whole
    default template every time); adding a filled-in body to the packed rest costs about one.
    """
    docx = DocxDocument()
    docx.core_properties.language = "nb-NO"
    docx.add_heading(TITLE_MARK, level=1)
    docx.add_paragraph(BODY_MARK)
    made = io.BytesIO()
    docx.save(made)
    rest = io.BytesIO()
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(rest, "w", zipfile.ZIP_DEFLATED) as target:
        xml = source.read("word/document.xml").decode()
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info, source.read(info))
    heading_start, heading_end = _paragraph_around(xml, TITLE_MARK)
    body_start, body_end = _paragraph_around(xml, BODY_MARK)
    return (
        rest.getvalue(),
        xml[:heading_start],
        xml[heading_start:heading_end],
        xml[body_start:body_end],
        xml[body_end:],
    )


def _paragraph_around(xml: str, mark: str) -> tuple[int, int]:
    at = xml.index(mark)
    start = max(xml.rfind("<w:p>", 0, at), xml.rfind("<w:p ", 0, at))
    return start, xml.index("</w:p>", at) + len("</w:p>")


def _docx(title: str, paragraphs: list[str]) -> tuple[bytes, int | None]:
    rest, before, heading, paragraph, after = _docx_template()
    body = heading.replace(TITLE_MARK, escape(title)) + "".join(
        paragraph.replace(BODY_MARK, escape(text)) for text in paragraphs
    )
    out = io.BytesIO(rest)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", before + body + after)
    return out.getvalue(), None


def _markdown(title: str, paragraphs: list[str]) -> tuple[bytes, int | None]:
    lines = [f"# {title}", ""]
    for paragraph in paragraphs:
        lines += [f"- {paragraph}" if paragraph.startswith(("Sak ", "Oppfølging")) else paragraph, ""]
    return "\n".join(lines).encode(), None


def _text(title: str, paragraphs: list[str]) -> tuple[bytes, int | None]:
    return "\n\n".join([title, *paragraphs]).encode(), None


def _pdf(title: str, paragraphs: list[str]) -> tuple[bytes, int | None]:
    return pdf_bytes(title, paragraphs)


RENDERERS = {"docx": _docx, "md": _markdown, "txt": _text, "pdf": _pdf}


# ----------------------------------------------------------------------------------------------- PDF


LINE_CHARS = 88
LINES_PER_PAGE = 48


def _wrapped(paragraphs: list[str]) -> list[str]:
    lines: list[str] = []
    for paragraph in paragraphs:
        line = ""
        for word in paragraph.split():
            if line and len(line) + 1 + len(word) > LINE_CHARS:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines += [line, ""]
    return lines


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_bytes(title: str, paragraphs: list[str]) -> tuple[bytes, int]:
    """Return a small valid PDF of `title` and `paragraphs`, and its number of pages.

    The text is set in Helvetica with WinAnsi encoding, in which æ, ø and å are found.
    """
    lines = _wrapped(paragraphs)
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _pdf_string(title) + b" /Producer (Samspill demo) >>",
    ]
    kids = []
    for number, page in enumerate(pages):
        stream = [b"BT /F1 10 Tf 14 TL 56 780 Td"]
        if number == 0:
            stream.append(b"/F2 15 Tf " + _pdf_string(title) + b" Tj T* T* /F1 10 Tf")
        stream += [_pdf_string(line) + b" Tj T*" for line in page]
        stream.append(b"ET")
        content = b"\n".join(stream)
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        content_ref = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % content_ref
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)
    out = bytearray(b"%PDF-1.4\n%\xe6\xf8\xe5\xc6\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out), len(pages)


# ---------------------------------------------------------------------------------------------- events


def _record(ctx: Context, plan: Planned, document: Document) -> None:
    versions = plan.rows["versions"]
    ctx.record(
        "document.created",
        document,
        actor=plan.workspace.by,
        at=versions[0].uploaded_at,
        context=plan.workspace.obj,
        changes=initial_changes(document, EVENT_FIELDS),
    )
    for version in versions[1:]:
        ctx.record(
            "document.version_added",
            document,
            actor=plan.workspace.by,
            at=version.uploaded_at,
            version=version.number,
            context=plan.workspace.obj,
            changes={
                "current": {
                    "before": None,
                    "after": None,
                    "before_text": f"v{version.number - 1} {versions[version.number - 2].original_name}",
                    "after_text": f"v{version.number} {version.original_name}",
                }
            },
        )
