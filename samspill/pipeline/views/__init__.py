"""Pipeline pages: the board and list, opportunities, estimates, reviews and expectations."""
