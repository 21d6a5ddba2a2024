from samspill.pipeline.views import estimates, opportunities

app_name = "pipeline"

# Each views module lists its own URLs, so the opportunity and estimate pages can grow independently.
urlpatterns = [*opportunities.urlpatterns, *estimates.urlpatterns]
