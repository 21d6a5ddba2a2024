"""API: deviations."""

from ninja import Router

router = Router()
