"""Search over everything the apps register as search sources."""
