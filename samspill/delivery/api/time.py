"""API: time."""

from ninja import Router

router = Router()
