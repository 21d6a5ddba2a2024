"""What the pipeline app adds to shared pages, search, feeds and access."""

from samspill.pipeline.registrations import estimates, opportunities  # noqa: F401
