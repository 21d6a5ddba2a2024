"""What the workspace app adds to shared pages, search, feeds and access."""
