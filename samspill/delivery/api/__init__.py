"""API: projects, milestones, staffing, time entries, status reports, deviations, change requests,
retrospectives."""

from ninja import Router

from samspill.delivery.api import deviations, projects, time

router = Router()
router.add_router("/", projects.router)
router.add_router("/", time.router)
router.add_router("/", deviations.router)
