"""API: projects."""

from ninja import Router

router = Router()
