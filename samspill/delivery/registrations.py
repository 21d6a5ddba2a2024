"""What the delivery app adds to other apps' pages, search and the scheduler."""
