"""What the pipeline app adds to shared pages, search, feeds and access."""
