"""gunicorn's settings for the desk's web processes (deploy/systemd/servicedesk-web.service).

SERVICEDESK_BIND and SERVICEDESK_WEB_WORKERS come from /etc/servicedesk/servicedesk.env; the access log names
each request's id (X-Request-ID), as the desk's own log lines do.
"""

import multiprocessing
import os

bind = os.environ.get("SERVICEDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SERVICEDESK_WEB_WORKERS", 2 * multiprocessing.cpu_count()))
# nginx gives up on an upstream after 65 s (deploy/nginx/servicedesk.conf): a request is cut a little earlier.
timeout = 60
graceful_timeout = 30
keepalive = 75
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" request_id=%({x-request-id}o)s'
