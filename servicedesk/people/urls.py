from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("new/", views.create, name="create"),
    path("audit/", views.audit_page, name="audit"),
    path("<int:pk>/", views.person_page, name="person"),
    path("<int:pk>/personal-data.json", views.personal_data_json, name="personal_data_json"),
    path("<int:pk>/personal-data/", views.personal_data_page, name="personal_data"),
    path("<int:pk>/erase/", views.erase, name="erase"),
    path("<int:pk>/<slug:what>/", views.act, name="act"),
]
