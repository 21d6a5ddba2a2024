"""Every change to opportunities, estimates, expert reviews and expectations, one module per kind."""
