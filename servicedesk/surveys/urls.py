from django.urls import path

from . import views

urlpatterns = [
    path("<path:token>/", views.rate, name="survey_rate"),
]
