"""Registrations of the delivery app: time."""
