"""API: opportunities, estimates with work packages, expert reviews and expectations."""

from ninja import Router

from samspill.pipeline.api import estimates, opportunities

router = Router()
router.add_router("/", opportunities.router)
router.add_router("/", estimates.router)
