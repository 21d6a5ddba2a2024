"""Write the offer letter template Samspill ships (samspill/pipeline/offer_template.docx).

Run `python -m samspill.pipeline.make_offer_template [path]` after changing the wording below. A firm
that wants its own letterhead opens the file in Word, keeps the Jinja tags it needs ({{ customer }},
the `{%tr for p in packages %}` rows …), saves it elsewhere and sets OFFER_TEMPLATE to that file. The
tags the template can use are the keys of `samspill.pipeline.offer.offer_context`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent / "offer_template.docx"

PACKAGE_COLUMNS = [
    ("Arbeidspakke", "{{ p.name }}", Cm(4.5)),
    ("Beskrivelse", "{{ p.description }}", Cm(6.5)),
    ("Estimert innsats", "{{ p.hours }}", Cm(2.5)),
    ("Pris", "{{ p.price }}", Cm(3.0)),
]


def _list(document: WordDocument, heading: str, items: str, line: str) -> None:
    """Add a heading and a bulleted list that shows only when the list has items."""
    document.add_paragraph(f"{{%p if {items} %}}")
    document.add_heading(heading, level=2)
    document.add_paragraph(f"{{%p for item in {items} %}}")
    document.add_paragraph(line, style="List Bullet")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endif %}")


def build(path: Path = OUT) -> Path:
    """Write the template to `path` and return it."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"  # type: ignore[attr-defined]
    style.font.size = Pt(11)  # type: ignore[attr-defined]

    document.add_heading("Tilbud: {{ title }}", level=1)
    facts = document.add_table(rows=4, cols=2)
    for row, (label, value) in zip(
        facts.rows,
        [
            ("Til", "{{ customer }}"),
            ("Dato", "{{ date }}"),
            ("Gyldig til", "{{ valid_until }}"),
            ("Vår referanse", "{{ reference }}"),
        ],
        strict=True,
    ):
        row.cells[0].text = label
        row.cells[1].text = value

    document.add_heading("Omfang", level=2)
    document.add_paragraph("{{ scope }}")
    document.add_paragraph("Kontraktsform: {{ contract_type }}.")

    document.add_heading("Arbeidspakker og pris", level=2)
    table = document.add_table(rows=5, cols=len(PACKAGE_COLUMNS))
    table.style = "Table Grid"
    for index, (label, value, width) in enumerate(PACKAGE_COLUMNS):
        table.rows[0].cells[index].text = label
        table.rows[2].cells[index].text = value
        for row in table.rows:
            row.cells[index].width = width
    table.rows[1].cells[0].text = "{%tr for p in packages %}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    total = table.rows[4].cells
    total[0].text = "Sum"
    total[2].text = "{{ total_hours }}"
    total[3].text = "{{ price }}"
    for cell in (*table.rows[0].cells, *total):
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in (table.rows[2], table.rows[4]):
        for cell in row.cells[2:]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

    price = document.add_paragraph()
    price.add_run("Samlet pris: {{ price }} eks. mva.").bold = True

    _list(document, "Forutsetninger", "assumptions", "{{ item }}")
    _list(document, "Avgrensninger", "exclusions", "{{ item }}")
    _list(document, "Avtalte forventninger", "expectations", "{{ item.kind }}: {{ item.text }}")

    document.add_heading("Gyldighet", level=2)
    document.add_paragraph(
        "Tilbudet er gyldig til og med {{ valid_until }}. "
        "Alle priser er oppgitt i norske kroner eksklusiv merverdiavgift."
    )
    document.add_paragraph("Med vennlig hilsen")
    document.add_paragraph("{{ seller }}")
    document.add_paragraph("{{ seller_email }}")
    document.save(str(path))
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
