"""The request id, the request's latency by view, and the health probes and metrics, answered first."""

import time

from . import health, logs, metrics

ANSWERED_HERE = {"/healthz": health.healthz, "/readyz": health.readyz, "/metrics": metrics.metrics_view}


class OpsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = logs.request_id.set(logs.request_id_from(request.headers.get("X-Request-ID")))
        try:
            view = ANSWERED_HERE.get(request.path_info)
            if view is not None and request.method in ("GET", "HEAD"):
                response = view(request)
            else:
                started = time.perf_counter()
                response = self.get_response(request)
                match = getattr(request, "resolver_match", None)
                metrics.observe_request(match.view_name if match else "unmatched", request.method,
                                        time.perf_counter() - started)
            response["X-Request-ID"] = logs.request_id.get()
            return response
        finally:
            logs.request_id.reset(token)
