from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

app_name = "portal"


@login_required
def home(request):
    return render(request, "portal/base.html", {})


urlpatterns = [path("", home, name="home")]
