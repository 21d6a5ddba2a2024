from samspill.handover.views import urlpatterns as handover_patterns

app_name = "handover"

urlpatterns = [*handover_patterns]
