"""Background work of the knowledge base (Celery; in-process in the embedded mode).

count_deflections    every 5 minutes: unsent request drafts whose suggested articles were opened become
                     deflections (servicedesk.knowledge.ranking)
refresh_popularity   hourly: each article's popularity over the last 30 days, which orders the FAQ
"""

from celery import shared_task

from servicedesk.knowledge import ranking


@shared_task(name="servicedesk.knowledge.tasks.count_deflections")
def count_deflections() -> int:
    return ranking.count_deflections()


@shared_task(name="servicedesk.knowledge.tasks.refresh_popularity")
def refresh_popularity() -> int:
    return ranking.refresh_popularity()
