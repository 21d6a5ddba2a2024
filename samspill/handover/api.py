"""API: handovers, with /acknowledge and /send-back."""

from ninja import Router

router = Router()
