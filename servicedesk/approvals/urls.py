from django.urls import path

from . import views

urlpatterns = [
    path("link/<path:token>/", views.decide_by_link, name="approval_link"),
]
