"""Documents in the workspaces of customers, opportunities and projects, and the search index."""
