"""/healthz: is the database up, the channel layer reachable, a worker alive, the demo data loaded?"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from samspill.lib.models import SeedRun, WorkerHeartbeat

WORKER_STALE_AFTER = datetime.timedelta(minutes=1)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _channel_layer() -> str:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return "missing"
    if not settings.REDIS_URL:
        return "ok"

    async def _ping() -> None:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.ping"})
        await asyncio.wait_for(layer.receive(channel), timeout=2)

    try:
        asyncio.run(_ping())
    except Exception as error:  # any Redis failure means the layer is not usable
        return f"down: {type(error).__name__}"
    return "ok"


def _worker() -> str:
    latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if latest is None:
        return "missing"
    age = timezone.now() - latest.seen_at
    return "ok" if age < WORKER_STALE_AFTER else f"stale ({int(age.total_seconds())} s)"


def _demo_data() -> str:
    run = SeedRun.objects.order_by("-started_at").first()
    if run is None:
        return "none"
    return "loaded" if run.finished_at else "loading"


def report() -> tuple[int, dict[str, Any]]:
    """Return the HTTP status and body of /healthz."""
    try:
        database = _database()
        worker = _worker()
        demo_data = _demo_data()
    except Exception as error:
        return 503, {
            "status": "down",
            "database": f"down: {type(error).__name__}",
            "channel_layer": "unknown",
            "worker": "unknown",
        }
    channel_layer = _channel_layer()
    healthy = database == "ok" and channel_layer == "ok" and worker == "ok" and demo_data != "loading"
    return 200, {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "channel_layer": channel_layer,
        "worker": worker,
        "demo_data": demo_data,
    }
