"""Measure text extraction throughput: documents of every kind, each read in its own child process.

    .venv/bin/python bench/extraction.py --documents 200

Writes --documents documents of realistic size into a temporary folder, the kinds in turn (DOCX,
PDF, XLSX, PPTX, plain text, Markdown, HTML, e-mail), reads each with `extract_in_child` (the way
the worker does, one after the other) and again with `extract` in this process, and prints per kind
and overall: documents per second and MB per second in the child, the time per document in the
child and in-process, and the difference (what the child process costs). It also times the child
on an empty text file, which is the child's bare start-up and exit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samspill.workspace.extraction import Kind, Limits, extract, extract_in_child
from samspill.workspace.tests import hostile
from samspill.workspace.tests.hostile import NORWEGIAN, words


def _docx(path: Path, seed: int, scale: int) -> Path:
    """About ten pages a scale: a heading, 60 paragraphs of 60 words, a 20-row table, a header."""
    paragraphs = [words(60, seed * 1000 + index) for index in range(60 * scale)]
    table = [["Aktivitet", "Timer", "Ansvarlig"]] + [
        [words(3, seed + row), str(row * 7), "Pia"] for row in range(20 * scale)
    ]
    return hostile.write_docx(
        path, paragraphs, heading=f"Tilbud {seed}", table=table, header="Fjordlys Energi AS – konfidensielt"
    )


def _pdf(path: Path, seed: int, scale: int) -> Path:
    """Ten pages of about 450 words a scale."""
    return hostile.write_pdf(path, [words(450, seed * 100 + page) for page in range(10 * scale)])


def _xlsx(path: Path, seed: int, scale: int) -> Path:
    """Two sheets: 1 000 rows of 8 mixed cells a scale, and a 50-row summary."""
    rows: list[list[object]] = [
        ["Uke", "Aktivitet", "Timer", "Sats", "Beløp", "Ansvarlig", "Status", "Merknad"]
    ]
    for row in range(1000 * scale):
        hours = (row * 37 + seed) % 40 + 0.5
        rows.append(
            [
                48 + row % 5,
                words(3, seed + row),
                hours,
                1450,
                hours * 1450,
                "Frode Fag",
                "åpen",
                words(5, row),
            ]
        )
    summary: list[list[object]] = [[words(2, seed + row), row * 1000.25] for row in range(50)]
    return hostile.write_xlsx(path, {"Timer": rows, "Sammendrag": summary})


def _pptx(path: Path, seed: int, scale: int) -> Path:
    """Fifteen slides a scale, each with a title, 40 words of body and 30 words of speaker notes."""
    slides = [
        (f"Lysbilde {index}: {words(4, seed + index)}", words(40, index), words(30, seed))
        for index in range(15 * scale)
    ]
    return hostile.write_pptx(path, slides)


def _text(path: Path, seed: int, scale: int) -> Path:
    """About 3 000 words a scale, in lines of 80 characters."""
    text = words(3000 * scale, seed)
    return hostile.write_text(path, "\n".join(text[i : i + 80] for i in range(0, len(text), 80)))


def _markdown(path: Path, seed: int, scale: int) -> Path:
    """A heading, and 20 sections a scale of 100 words and a list item."""
    sections = [
        f"## Del {index}\n\n{words(100, seed + index)}\n\n- {words(5, index)}\n"
        for index in range(20 * scale)
    ]
    return hostile.write_text(path, f"# {NORWEGIAN}\n\n" + "\n".join(sections))


def _html(path: Path, seed: int, scale: int) -> Path:
    """A saved page: 40 paragraphs of 60 words a scale, a script, a style and a navigation list."""
    paragraphs = [words(60, seed * 10 + index) for index in range(40 * scale)]
    navigation = "".join(f"<li><a href='/side/{index}'>Side {index}</a></li>" for index in range(30))
    markup = hostile.html_document(f"Referat {seed}", paragraphs)
    return hostile.write_text(path, markup.replace("<body>", f"<body><nav><ul>{navigation}</ul></nav>", 1))


def _email(path: Path, seed: int, scale: int) -> Path:
    """A body of 400 words a scale as text and HTML, a text attachment, a 100 KB a scale binary one."""
    body = words(400 * scale, seed)
    return hostile.write_email(
        path,
        f"Tilbud {seed} – {NORWEGIAN}",
        body,
        html=f"<html><body><p>{body}</p></body></html>",
        attachments=[
            ("notat.txt", "text/plain", words(200, seed + 1).encode()),
            ("tegning.png", "image/png", os.urandom(100_000 * scale)),
        ],
    )


WRITERS: list[tuple[Kind, str, Callable[[Path, int, int], Path]]] = [
    (Kind.DOCX, "docx", _docx),
    (Kind.PDF, "pdf", _pdf),
    (Kind.XLSX, "xlsx", _xlsx),
    (Kind.PPTX, "pptx", _pptx),
    (Kind.TEXT, "txt", _text),
    (Kind.MARKDOWN, "md", _markdown),
    (Kind.HTML, "html", _html),
    (Kind.EMAIL, "eml", _email),
]


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200, help="How many documents, the kinds in turn.")
    parser.add_argument("--large", type=int, default=3, help="How many large documents of each kind.")
    parser.add_argument("--large-scale", type=int, default=10, help="How many times larger they are.")
    parser.add_argument("--empty-runs", type=int, default=20, help="Child runs on an empty file.")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    folder = Path(tempfile.mkdtemp(prefix="samspill-bench-extraction-"))
    limits = Limits()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {limits}\n")
    try:
        empty = hostile.write_text(folder / "tom.txt", "")
        bare = []
        for _ in range(args.empty_runs):
            started = time.perf_counter()
            extract_in_child(empty, Kind.TEXT, limits)
            bare.append(time.perf_counter() - started)
        print(
            f"Child on an empty text file: median {statistics.median(bare) * 1000:.0f} ms, "
            f"max {max(bare) * 1000:.0f} ms ({args.empty_runs} runs)"
        )
        ordinary = [(index, 1) for index in range(args.documents)]
        large = [(index, args.large_scale) for index in range(args.large * len(WRITERS))]
        for title, batch in (
            ("Ordinary documents", ordinary),
            (f"Large documents (x{args.large_scale})", large),
        ):
            print(f"\n{title}\n")
            _measure(folder, batch, limits)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure(folder: Path, batch: list[tuple[int, int]], limits: Limits) -> None:
    """Write the documents, read each in a child and in this process, print a Markdown table."""
    documents: list[tuple[Kind, Path]] = []
    for index, scale in batch:
        kind, suffix, write = WRITERS[index % len(WRITERS)]
        documents.append((kind, write(folder / f"dokument-{scale}-{index}.{suffix}", index, scale)))
    rows: dict[Kind, dict[str, float]] = {}
    for kind, path in documents:
        started = time.perf_counter()
        in_child = extract_in_child(path, kind, limits)
        child_seconds = time.perf_counter() - started
        started = time.perf_counter()
        in_process = extract(path, kind, limits)
        process_seconds = time.perf_counter() - started
        if not in_child.ok or in_child != in_process:
            raise SystemExit(f"{path.name}: {in_child.reason or 'the child and this process disagree'}")
        row = rows.setdefault(kind, {"count": 0, "bytes": 0, "chars": 0, "child": 0.0, "process": 0.0})
        row["count"] += 1
        row["bytes"] += path.stat().st_size
        row["chars"] += len(in_child.text)
        row["child"] += child_seconds
        row["process"] += process_seconds
    print(
        "| kind | documents | average size | characters each | docs/s | MB/s "
        "| ms each | ms each in-process | child overhead ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    total = {"count": 0, "bytes": 0, "chars": 0, "child": 0.0, "process": 0.0}
    for kind, row in rows.items():
        print(_row(kind.value, row))
        for key in total:
            total[key] += row[key]
    print(_row("**all**", total))


def _row(name: str, row: dict[str, float]) -> str:
    count = row["count"]
    megabytes = row["bytes"] / 1024 / 1024
    return (
        f"| {name} | {count:.0f} | {_number(row['bytes'] / count / 1024)} KB "
        f"| {_number(row['chars'] / count)} "
        f"| {count / row['child']:.1f} | {megabytes / row['child']:.2f} "
        f"| {row['child'] / count * 1000:.0f} | {row['process'] / count * 1000:.0f} "
        f"| {(row['child'] - row['process']) / count * 1000:.0f} |"
    )


def _number(value: float) -> str:
    """A whole number with spaces between thousands, as in RESULTS.md."""
    return f"{value:,.0f}".replace(",", " ")


if __name__ == "__main__":
    main()
