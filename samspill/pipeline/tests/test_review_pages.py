"""The review pages: asking for a review, the expert's queue and start item, the review page and its forms."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samspill.people.models import PersonSkill, Skill
from samspill.pipeline.actions import reviews as actions
from samspill.pipeline.models import ExpertReview, ReviewComment, ReviewState, WorkPackage
from samspill.pipeline.tests.estimating import make_estimate, skilled_expert

pytestmark = pytest.mark.django_db

DUE = datetime.date(2025, 3, 20)


@pytest.fixture
def azure(expert: Any) -> Skill:
    skill = Skill.objects.create(name="Azure")
    PersonSkill.objects.create(person=expert, skill=skill, level=5)
    return skill


@pytest.fixture
def estimate(opportunity: Any, seller: Any) -> Any:
    return make_estimate(opportunity, seller)


def test_the_seller_asks_anyone_with_a_skill(
    estimate: Any, seller: Any, azure: Skill, client_for: Any, today: Any
) -> None:
    client = client_for(seller)
    assert client.get(f"/pipeline/estimates/{estimate.pk}/review/new/").status_code == 200
    response = client.post(
        f"/pipeline/estimates/{estimate.pk}/review/new/",
        {
            "who": "skill",
            "skill": azure.pk,
            "min_level": "4",
            "due_on": "2025-03-20",
            "message": "Integrasjonen",
        },
    )
    assert response.status_code == 302
    review = ExpertReview.objects.get()
    assert (review.skill, review.min_level, review.reviewer, review.due_on) == (azure, 4, None, DUE)


def test_asking_without_a_skill_names_the_field(
    estimate: Any, seller: Any, client_for: Any, today: Any
) -> None:
    response = client_for(seller).post(
        f"/pipeline/estimates/{estimate.pk}/review/new/", {"who": "skill", "due_on": "2025-03-20"}
    )
    assert response.status_code == 200
    assert 'id="id_skill_error"' in response.content.decode()
    assert not ExpertReview.objects.exists()


def test_someone_off_the_team_cannot_open_the_request_form(
    estimate: Any, outsider: Any, client_for: Any, make_opportunity: Any, seller: Any
) -> None:
    # They see the opportunity but may not change it (403); a confidential one they do not see (404).
    assert client_for(outsider).get(f"/pipeline/estimates/{estimate.pk}/review/new/").status_code == 403
    hidden = make_estimate(make_opportunity("Hemmelig", confidential=True), seller)
    assert client_for(outsider).get(f"/pipeline/estimates/{hidden.pk}/review/new/").status_code == 404


def test_the_queue_shows_what_waits_for_the_expert(
    estimate: Any, seller: Any, expert: Any, azure: Skill, client_for: Any, today: Any
) -> None:
    actions.request_review(estimate, by=seller, due_on=DUE, skill=azure, min_level=4)
    content = client_for(expert).get("/pipeline/reviews/").content.decode()
    assert 'data-testid="waiting-table"' in content
    assert "Ny kundeportal" in content and "Fjordlys Energi AS" in content and "20.03.2025" in content


def test_the_start_page_lists_the_experts_waiting_reviews_and_marks_overdue(
    estimate: Any, seller: Any, expert: Any, azure: Skill, client_for: Any, today: Any
) -> None:
    review = actions.request_review(estimate, by=seller, due_on=DUE, skill=azure, min_level=4)
    ExpertReview.objects.filter(pk=review.pk).update(due_on=datetime.date(2025, 3, 1))
    content = client_for(expert).get("/").content.decode()
    assert 'data-testid="start-reviews"' in content
    assert "overdue" in content
    assert 'data-testid="start-reviews"' not in client_for(seller).get("/").content.decode()


def test_the_expert_accepts_comments_proposes_and_approves_through_the_page(
    estimate: Any, seller: Any, expert: Any, azure: Skill, client_for: Any, today: Any
) -> None:
    review = actions.request_review(estimate, by=seller, due_on=DUE, skill=azure, min_level=4)
    client = client_for(expert)
    assert client.post(f"/pipeline/reviews/{review.pk}/accept/").status_code == 302
    target = estimate.packages.get(name="Integrasjon mot ERP")
    commented = client.post(
        f"/pipeline/reviews/{review.pk}/comment/",
        {
            "work_package": target.pk,
            "text": "Undervurdert",
            "proposed_optimistic": "100",
            "proposed_most_likely": "160",
            "proposed_pessimistic": "300",
        },
    )
    assert commented.status_code == 302
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Undervurdert" in page and 'data-testid="verdict-form"' in page
    decided = client.post(f"/pipeline/reviews/{review.pk}/verdict/", {"verdict": "approved"})
    assert decided.status_code == 302
    assert ExpertReview.objects.get(pk=review.pk).state == ReviewState.DONE


def test_a_verdict_that_needs_a_comment_shows_the_error_on_the_comment(
    estimate: Any, seller: Any, expert: Any, client_for: Any, today: Any
) -> None:
    review = actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert)
    response = client_for(expert).post(
        f"/pipeline/reviews/{review.pk}/verdict/", {"verdict": "not_realistic"}
    )
    assert response.status_code == 200
    assert 'id="id_verdict_comment_error"' in response.content.decode()
    assert ExpertReview.objects.get(pk=review.pk).state == ReviewState.REQUESTED


def test_a_proposal_out_of_order_shows_the_error_in_the_packages_form(
    estimate: Any, seller: Any, expert: Any, client_for: Any, today: Any
) -> None:
    review = actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert)
    target = estimate.packages.first()
    response = client_for(expert).post(
        f"/pipeline/reviews/{review.pk}/comment/",
        {
            "work_package": target.pk,
            "proposed_optimistic": "90",
            "proposed_most_likely": "50",
            "proposed_pessimistic": "100",
        },
    )
    assert response.status_code == 200
    assert "Optimistic hours cannot be more than the most likely" in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_the_seller_cannot_give_the_verdict(
    estimate: Any, seller: Any, expert: Any, client_for: Any, today: Any
) -> None:
    review = actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert)
    client_for(seller).post(f"/pipeline/reviews/{review.pk}/verdict/", {"verdict": "approved"})
    assert ExpertReview.objects.get(pk=review.pk).state == ReviewState.REQUESTED


def test_a_review_of_a_confidential_opportunity_is_404_for_outsiders(
    make_opportunity: Any, seller: Any, expert: Any, outsider: Any, client_for: Any, today: Any
) -> None:
    estimate = make_estimate(make_opportunity("Hemmelig", confidential=True), seller)
    review = actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert)
    assert client_for(outsider).get(review.get_absolute_url()).status_code == 404
    assert (
        client_for(outsider)
        .post(f"/pipeline/reviews/{review.pk}/verdict/", {"verdict": "approved"})
        .status_code
        == 404
    )
    assert client_for(expert).get(review.get_absolute_url()).status_code == 200


def test_the_seller_applies_a_proposal_with_one_click(
    estimate: Any, seller: Any, expert: Any, client_for: Any, today: Any
) -> None:
    review = actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert)
    target = estimate.packages.get(name="Test og overlevering")
    comment = actions.comment_on_review(
        review, by=expert, work_package=target, proposed=(Decimal(30), Decimal(40), Decimal(90))
    )
    page = client_for(seller).get(estimate.get_absolute_url()).content.decode()
    assert 'data-testid="apply-proposal"' in page
    response = client_for(seller).post(
        f"/pipeline/review-comments/{comment.pk}/apply/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert WorkPackage.objects.get(pk=target.pk).most_likely == 40


def test_a_refused_proposal_goes_back_to_a_page_of_this_site_only(
    estimate: Any, seller: Any, expert: Any, client_for: Any, today: Any
) -> None:
    review = actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert)
    target = estimate.packages.get(name="Test og overlevering")
    comment = actions.comment_on_review(
        review, by=expert, work_package=target, proposed=(Decimal(30), Decimal(40), Decimal(90))
    )
    client = client_for(seller)
    url = f"/pipeline/review-comments/{comment.pk}/apply/"
    assert client.post(url).status_code == 302
    again = client.post(url, {"next": "https://evil.example/phish"})  # applied already: refused
    assert again.status_code == 302 and again["Location"] == estimate.get_absolute_url()
    local = client.post(url, {"next": review.get_absolute_url()})
    assert local["Location"] == review.get_absolute_url()


def test_the_queue_costs_the_same_queries_for_2_and_12_reviews(
    make_opportunity: Any, seller: Any, expert: Any, azure: Skill, client_for: Any, today: Any
) -> None:
    def add(count: int) -> None:
        for i in range(count):
            estimate = make_estimate(make_opportunity(f"Mulighet {i}"), seller, [("Pakke", 1, 2, 3)])
            actions.request_review(estimate, by=seller, due_on=DUE, skill=azure, min_level=3)
            named = actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert)
            actions.give_verdict(named, by=expert, verdict="approved")

    client = client_for(expert)

    def count() -> int:
        client.get("/pipeline/reviews/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/pipeline/reviews/").status_code == 200
        return len(queries)

    add(1)
    small = count()
    add(6)
    assert count() == small


def test_review_and_estimate_events_appear_on_the_opportunitys_feed(
    estimate: Any, seller: Any, expert: Any, today: Any
) -> None:
    from samspill.activity.feeds import feed_for

    review = actions.request_review(estimate, by=seller, due_on=DUE, reviewer=expert)
    actions.give_verdict(review, by=expert, verdict="approved")
    sentences = [line.sentence for line in feed_for(estimate.opportunity, seller, limit=50)]
    assert any("asked for an expert review" in s for s in sentences)
    assert any("Frode Fag gave the verdict" in s for s in sentences)
    assert any("added the work package Integrasjon mot ERP" in s for s in sentences)


def test_the_board_leads_the_expert_to_their_reviews_with_the_count_waiting(
    estimate: Any, seller: Any, expert: Any, azure: Skill, client_for: Any, today: Any
) -> None:
    client = client_for(expert)
    before = client.get("/pipeline/").content.decode()
    assert 'data-testid="my-reviews"' in before and 'href="/pipeline/reviews/"' in before
    assert 'data-testid="my-reviews-count"' not in before
    review = actions.request_review(estimate, by=seller, due_on=DUE, skill=azure, min_level=4)
    assert client.get("/pipeline/").context["on_my_desk"] == 1
    actions.accept_review(review, by=expert)
    doing = client.get("/pipeline/").content.decode()
    assert 'data-testid="my-reviews-count">1<' in doing
    actions.give_verdict(review, by=expert, verdict="approved")
    assert client.get("/pipeline/").context["on_my_desk"] == 0


def test_the_count_leaves_out_what_others_may_take_and_what_the_seller_asked_for(
    estimate: Any, seller: Any, expert: Any, azure: Skill, client_for: Any, today: Any
) -> None:
    junior = skilled_expert("junior", azure, 2)
    actions.request_review(estimate, by=seller, due_on=DUE, skill=azure, min_level=4)
    assert client_for(expert).get("/pipeline/").context["on_my_desk"] == 1
    assert client_for(junior).get("/pipeline/").context["on_my_desk"] == 0
    assert client_for(seller).get("/pipeline/").context["on_my_desk"] == 0


def test_the_board_counts_the_reviews_in_one_query_however_many_wait(
    opportunity: Any, seller: Any, expert: Any, azure: Skill, client_for: Any, today: Any
) -> None:
    client = client_for(expert)

    def queries() -> int:
        client.get("/pipeline/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/pipeline/").status_code == 200
        return len(captured)

    actions.request_review(make_estimate(opportunity, seller), by=seller, due_on=DUE, skill=azure)
    few = queries()
    for _n in range(4):
        actions.request_review(make_estimate(opportunity, seller), by=seller, due_on=DUE, skill=azure)
    assert client.get("/pipeline/").context["on_my_desk"] == 5
    assert queries() == few


def test_every_page_has_my_expert_reviews_in_the_user_menu(expert: Any, client_for: Any) -> None:
    for url in ("/", "/customers/", "/pipeline/list/"):
        html = client_for(expert).get(url).content.decode()
        assert 'data-testid="menu-my-reviews"' in html and 'href="/pipeline/reviews/"' in html
