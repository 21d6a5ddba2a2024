"""What the handover app adds to other apps' pages and the start page."""
