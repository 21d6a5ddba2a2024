"""Registrations of the delivery app: deviations."""
