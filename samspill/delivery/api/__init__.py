"""API: projects, milestones, staffing, time entries, status reports, deviations, change requests, retrospectives."""

from ninja import Router

router = Router()
