"""Upload and download a 1 GB document through a real server and watch the server's memory.

    .venv/bin/python bench/documents.py            # 1 GB (1024 MB)
    .venv/bin/python bench/documents.py --mb 256   # a smaller file

Seeds a fresh SQLite database in a temporary folder (files on disk under it), raises the size limit
above the file (DOCUMENT_MAX_MB), starts `samspill serve` and, as the demo seller with an API token,
streams the file up with `POST /api/v1/documents` (multipart) and down again with
`GET /api/v1/documents/{id}/download`, both in 1 MB chunks over plain HTTP. A thread samples the server
process's resident memory (RSS) every 20 ms. Prints the times, the rates, the server's memory before,
at its highest during each transfer and after, and whether the SHA-256 of what came back is the one
the server recorded and the one of the file sent.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MB = 1024 * 1024
CHUNK = MB
SAMPLE_SECONDS = 0.02


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="Size of the file in MB (default: 1024).")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    return parser.parse_args()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _rss(pid: int) -> int:
    """Return the resident memory of process `pid` in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Sampler(threading.Thread):
    """Record the highest resident memory of a process while a transfer runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.samples = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.peak = max(self.peak, _rss(self.pid))
            self.samples += 1
            self.stopping.wait(SAMPLE_SECONDS)

    def stop(self) -> int:
        self.stopping.set()
        self.join()
        return self.peak


def _make_file(path: Path, size: int) -> str:
    """Write `size` bytes that do not repeat in any obvious way; return their SHA-256."""
    digest = hashlib.sha256()
    block = os.urandom(CHUNK)
    with path.open("wb") as out:
        for n in range(size // CHUNK):
            chunk = n.to_bytes(8, "big") + block[8:]
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("The server stopped while starting.")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 (local URL)
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("The server did not start within a minute.")


def _multipart(fields: dict[str, str], file_name: str, boundary: str) -> tuple[bytes, bytes]:
    """Return the bytes before and after the file's content in a multipart body."""
    head = b""
    for name, value in fields.items():
        head += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head, f"\r\n--{boundary}--\r\n".encode()


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


def upload(port: int, token: str, customer_id: int, path: Path) -> tuple[dict[str, object], float]:
    """Stream the file up as a multipart body; return the created document and the seconds it took."""
    boundary = uuid.uuid4().hex
    head, tail = _multipart(
        {"owner_type": "customers.customer", "owner_id": str(customer_id), "kind": "other"},
        path.name,
        boundary,
    )
    length = len(head) + path.stat().st_size + len(tail)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    started = time.perf_counter()
    connection.putrequest("POST", "/api/v1/documents")
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(length))
    connection.endheaders()
    connection.send(head)
    for chunk in _chunks(path):
        connection.send(chunk)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    if response.status != 201:
        raise SystemExit(f"Upload answered {response.status}: {body[:500]!r}")
    return json.loads(body)["items"][0], seconds


def download(port: int, token: str, document_id: int) -> tuple[str, int, float]:
    """Stream the document's file down; return its SHA-256, its size and the seconds it took."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    started = time.perf_counter()
    connection.request(
        "GET", f"/api/v1/documents/{document_id}/download", headers={"Authorization": f"Bearer {token}"}
    )
    response = connection.getresponse()
    if response.status != 200:
        raise SystemExit(f"Download answered {response.status}: {response.read(500)!r}")
    digest, size = hashlib.sha256(), 0
    while chunk := response.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size, time.perf_counter() - started


def _prepare(var_dir: str, limit_mb: int) -> tuple[dict[str, str], str, int]:
    """Migrate and seed a fresh database; return the server's environment, a token and a customer id."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "WEB_WORKERS"}
    }
    env.update(SAMSPILL_VAR_DIR=var_dir, DOCUMENT_MAX_MB=str(limit_mb), PYTHONUNBUFFERED="1", TMPDIR=var_dir)
    samspill = str(BIN / "samspill")
    _run([samspill, "migrate", "-v", "0"], env)
    _run([samspill, "seed", "--size", "small"], env)
    token = _run([samspill, "createtoken", "selger"], env).strip()
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'samspill.settings'); "
        "django.setup(); "
        "from samspill.customers.models import Customer; "
        "print(Customer.objects.filter(account_owner__username='selger').order_by('pk').first().pk)"
    )
    customer_id = int(_run([sys.executable, "-c", code], env).strip())
    return env, token, customer_id


def main() -> None:
    """Seed, serve, upload and download the file, and print what the server's memory did."""
    args = _arguments()
    var_dir = tempfile.mkdtemp(prefix="samspill-bench-documents-")
    server = None
    try:
        env, token, customer_id = _prepare(var_dir, args.mb + 64)
        port = _free_port()
        server = subprocess.Popen(
            [str(BIN / "samspill"), "serve", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_for(f"http://127.0.0.1:{port}", server)
        source = Path(var_dir) / "bench-upload.bin"
        sent_sha = _make_file(source, args.mb * MB)
        idle = _rss(server.pid)

        sampler = Sampler(server.pid)
        sampler.start()
        document, up_seconds = upload(port, token, customer_id, source)
        up_peak = sampler.stop()
        after_up = _rss(server.pid)

        sampler = Sampler(server.pid)
        sampler.start()
        got_sha, got_size, down_seconds = download(port, token, int(document["id"]))  # type: ignore[call-overload]
        down_peak = sampler.stop()
        after_down = _rss(server.pid)

        recorded = document["current"]["sha256"]  # type: ignore[index]
        print(f"\nfile: {args.mb} MB ({args.mb * MB:,} bytes); SAMSPILL_VAR_DIR={var_dir}\n")
        print("| step | seconds | MB/s | server RSS before | server RSS peak | server RSS after |")
        print("|---|---:|---:|---:|---:|---:|")
        print(
            f"| upload (POST /api/v1/documents) | {up_seconds:.1f} | {args.mb / up_seconds:.0f} | "
            f"{idle / MB:.0f} MB | {up_peak / MB:.0f} MB | {after_up / MB:.0f} MB |"
        )
        print(
            f"| download (GET …/download) | {down_seconds:.1f} | {args.mb / down_seconds:.0f} | "
            f"{after_up / MB:.0f} MB | {down_peak / MB:.0f} MB | {after_down / MB:.0f} MB |"
        )
        same = got_sha == recorded == sent_sha and got_size == args.mb * MB
        print(
            f"\nSHA-256 sent {sent_sha[:16]}…, recorded {recorded[:16]}…, downloaded {got_sha[:16]}…: ",
            end="",
        )
        print("identical" if same else "DIFFERENT")
        print(f"client RSS peak (this process): {_peak_self() / MB:.0f} MB")
        if not same:
            raise SystemExit(1)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)


def _peak_self() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    main()
