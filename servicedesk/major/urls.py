from django.urls import path

from . import views

urlpatterns = [
    path("ack/<str:token>/", views.acknowledge, name="major_ack"),
]
