from samspill.delivery.views import deviations, portfolio, projects, time

app_name = "delivery"

# Each views module lists its own URLs (projects, time, deviations and changes, portfolio).
urlpatterns = [*projects.urlpatterns, *time.urlpatterns, *deviations.urlpatterns, *portfolio.urlpatterns]
