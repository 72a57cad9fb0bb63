"""Every change to the knowledge base, one function each (the shape of docs/architecture.md): articles and
their workflow in `articles`; readers' feedback, views and deflections in `reading`; links between
tickets and articles in `links`."""

from .articles import (  # noqa: F401
    ArticleInput,
    article_changed,
    create_article,
    delete_article,
    lock_article,
    publish_article,
    restore_version,
    submit_for_review,
    unpublish_article,
    update_article,
)
