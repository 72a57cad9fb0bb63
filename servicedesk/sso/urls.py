from django.urls import path

from . import views

app_name = "sso"
urlpatterns = [
    path("<slug:slug>/start/", views.start, name="start"),
    path("<slug:slug>/callback/", views.callback, name="callback"),
    path("<slug:slug>/acs/", views.saml_acs, name="saml_acs"),
    path("<slug:slug>/metadata/", views.saml_metadata, name="saml_metadata"),
]
