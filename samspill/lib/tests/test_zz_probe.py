import json
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_probe(seller, customer, token_for, outsider):
    c = Client()
    c.force_login(seller)
    r = c.post("/people/language/", {"language": "en", "next": "/customers/"})
    print("lang", r.status_code)
    h = token_for(seller)
    api = Client(headers=h, raise_request_exception=False)
    for path in ["/api/v1/customers?q=a%00b", f"/api/v1/customers/{10**30}", "/api/v1/customers?account_owner=" + str(10**30),
                 "/api/v1/people?q=%00", "/api/v1/people?team=%00", "/api/v1/contacts?customer=" + str(10**30)]:
        r = api.get(path)
        print(path[:60], r.status_code, r.content[:200])
    for body in ['{"name": "\\ud800"}', "not json", "[1,2]", '"x"', '{"name":"X","account_owner_id": 1' + "0"*40 + "}",
                 '{"name": "Y", "website": "https://a.no/\\u0000x"}']:
        r = api.post("/api/v1/customers", body, content_type="application/json")
        print(body[:40], r.status_code, r.content[:300])
    r = api.patch(f"/api/v1/customers/{customer.pk}", json.dumps({"version": 10**30, "name": "Z"}), content_type="application/json")
    print("patch big version", r.status_code, r.content[:300])
    r = api.post("/api/v1/framework-agreements", json.dumps({"customer_id": customer.pk, "title": "T", "starts_on": "2020-01-01",
        "ends_on": "9999-12-01", "extension_count": 20, "extension_months": 120, "ceiling": "10"}), content_type="application/json")
    print("agreement", r.status_code, r.content[:300])
