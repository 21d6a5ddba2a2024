"""Registrations of the delivery app: projects."""
