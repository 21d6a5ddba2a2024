"""The customers app registers its panels, start items, feed source and access."""

from __future__ import annotations

from samspill.customers.models import Contact, Customer, FrameworkAgreement
from samspill.lib import registry


def test_customers_register_access_for_each_model() -> None:
    for model in (Customer, Contact, FrameworkAgreement):
        assert registry.access_for(model).visible_to is not None


def test_customers_register_their_panels_start_items_and_feed() -> None:
    # The customer page: the pipeline's opportunities first, then the customer's own agreements and
    # contacts, then the workspace's documents (other apps may add panels in between).
    keys = [p.key for p in registry.registry.panels["customers.customer"]]
    wanted = ["pipeline.opportunities", "customers.agreements", "customers.contacts", "workspace.documents"]
    assert [key for key in keys if key in wanted] == wanted
    assert {"customers.mine", "customers.agreements_ending"} <= {
        p.key for p in registry.registry.panels[registry.START]
    }
    assert "customers.customer" in registry.registry.feed_sources
