"""The request id, the request's latency by view, and the health probes and metrics, answered first."""

import time

from . import health, logs, metrics

ANSWERED_HERE = {"/healthz": health.healthz, "/readyz": health.readyz, "/metrics": metrics.metrics_view}


class OpsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Kept until the response is closed (logs.forget_request): Django logs an error response after the
        # middleware has returned it.
        logs.request_id.set(logs.request_id_from(request.headers.get("X-Request-ID")))
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
