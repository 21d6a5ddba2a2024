"""What the delivery app adds to other apps' pages, search, feeds and the scheduler, one module per area."""

from samspill.delivery.registrations import deviations, projects, time  # noqa: F401
