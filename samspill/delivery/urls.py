from samspill.delivery.views import projects

app_name = "delivery"

# Each views module lists its own URLs (projects, time, deviations and changes, portfolio), so they grow apart.
urlpatterns = [*projects.urlpatterns]
