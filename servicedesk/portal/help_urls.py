"""The help centre's addresses (/help/): open to anonymous visitors, who read public articles only."""

from django.urls import path

from . import help

app_name = "help"

urlpatterns = [
    path("", help.help_index, name="index"),
    path("search", help.help_search, name="search"),
    path("suggest", help.help_suggest, name="suggest"),
    path("articles/<id:article_id>/", help.help_article, name="article"),
    path("articles/<id:article_id>/feedback", help.help_feedback, name="feedback"),
    path("articles/<id:article_id>/solved", help.help_solved, name="solved"),
]
