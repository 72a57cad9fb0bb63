"""deploy/nginx/servicedesk.conf for real: Debian's nginx in front of two gunicorn processes started from
deploy/systemd/servicedesk-web.service (with deploy/gunicorn.conf.py), the worker and the scheduler from their
units, on a private Redis and the test database. Static files from nginx; requests proxied to both web
processes; the scheme and client address nginx passes are the ones the desk uses; one web process killed and
every request still answered; /readyz and /metrics through nginx."""

import json
import os
import re
import signal
import subprocess
import time

import httpx
from axes.models import AccessFailureLog

from tests.deploy.conftest import DEPLOY, production_paths, relocated, unit_command
from tests.ops.conftest import stop
from tests.services import free_port, wait_for_port

TOKEN = "deploy-test-metrics-token"


def nginx_config(folder, paths, http_port, https_port, upstreams) -> str:
    """The shipped site, on the test's ports and upstreams, with the TLS lines `certbot --nginx` would add."""
    site = relocated((DEPLOY / "nginx" / "servicedesk.conf").read_text(), paths)
    site = re.sub(r"\n\s*listen \[::\]:80;", "", site)
    tls = f"ssl_certificate {folder}/cert.pem;\n    ssl_certificate_key {folder}/key.pem;"
    listen = f"listen 127.0.0.1:{http_port};\n    listen 127.0.0.1:{https_port} ssl;\n    {tls}"
    site = site.replace("listen 80;", listen)
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in upstreams)
    site, count = re.subn(r"    server 127\.0\.0\.1:8000[^\n]*\n", servers, site)
    assert count == 1
    (folder / "site.conf").write_text(site)
    temp = folder / "nginx-temp"
    return f"""
daemon off;
{"user root root;" if os.geteuid() == 0 else ""}
pid {folder}/nginx.pid;
error_log {folder}/log/nginx-main.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/site.conf;
}}
"""


def served_paths(log) -> list[str]:
    return re.findall(r'"[A-Z]+ (\S+) HTTP', log.read_text())


def test_nginx_in_front_of_two_web_processes(tmp_path, process_env, redis_url, nginx_program):
    paths = production_paths(tmp_path)
    for name in ("data/static", "metrics", "log", "nginx-temp"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "data" / "static" / "probe.txt").write_text("served by nginx\n")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    env = {**process_env, "SERVICEDESK_BROKER_URL": redis_url, "SERVICEDESK_DATA_DIR": str(tmp_path / "data"),
           "SERVICEDESK_ALLOWED_HOSTS": "127.0.0.1", "SERVICEDESK_SSL_REDIRECT": "1",
           "SERVICEDESK_CLIENT_IP_HEADER": "X-Forwarded-For", "SERVICEDESK_METRICS_TOKEN": TOKEN,
           "SERVICEDESK_LOG_FORMAT": "json", "SERVICEDESK_LOG_LEVEL": "INFO", "SERVICEDESK_WEB_WORKERS": "2"}
    web_ports = [free_port(), free_port()]
    http_port, https_port = free_port(), free_port()
    procs, logs = {}, {}

    def start(name, unit, extra=None):
        command, unit_env = unit_command(unit, paths)
        logs[name] = tmp_path / "log" / f"{name}.log"
        procs[name] = subprocess.Popen(command, cwd=tmp_path / "data", env={**env, **unit_env, **(extra or {})},
                                       stdout=logs[name].open("w"), stderr=subprocess.STDOUT, start_new_session=True)

    try:
        for n, port in enumerate(web_ports):
            start(f"web{n}", "servicedesk-web.service", {"SERVICEDESK_BIND": f"127.0.0.1:{port}"})
        start("worker", "servicedesk-worker.service")
        start("scheduler", "servicedesk-scheduler.service")
        (tmp_path / "nginx.conf").write_text(nginx_config(tmp_path, paths, http_port, https_port, web_ports))
        nginx = subprocess.Popen([nginx_program, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                                 stdout=subprocess.DEVNULL, stderr=(tmp_path / "log" / "nginx.out").open("w"))
        procs["nginx"] = nginx
        for port in (*web_ports, http_port, https_port):
            wait_for_port(port, timeout=90)
        https = httpx.Client(base_url=f"https://127.0.0.1:{https_port}", verify=False, timeout=30)
        http = httpx.Client(base_url=f"http://127.0.0.1:{http_port}", timeout=30)

        # Static files come from nginx's folder, never from gunicorn.
        response = http.get("/static/probe.txt")
        assert response.status_code == 200 and response.text == "served by nginx\n"
        assert response.headers["Cache-Control"] == "max-age=86400, public"

        # Proxied and balanced over both web processes; https seen as https (no redirect), http redirected.
        for _ in range(12):
            response = https.get("/login/")
            assert response.status_code == 200 and "csrftoken" in response.cookies
        response = http.get("/login/")
        assert response.status_code == 301 and response.headers["Location"] == f"https://127.0.0.1:{http_port}/login/"
        # gunicorn writes its access line after the answer has gone out: wait for the last one.
        deadline = time.monotonic() + 10
        while True:
            answered = [served_paths(logs[f"web{n}"]).count("/login/") for n in (0, 1)]
            if sum(answered) >= 13 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert sum(answered) == 13 and min(answered) >= 3, answered
        assert "/static/probe.txt" not in served_paths(logs["web0"]) + served_paths(logs["web1"])

        # The request id: the client's kept, else nginx's; in the desk's JSON log lines and the access log.
        response = https.get("/no-such-page/", headers={"X-Request-ID": "edge-4711"})
        assert response.status_code == 404 and response.headers["X-Request-ID"] == "edge-4711"
        assert re.fullmatch(r"[0-9a-f]{32}", https.get("/healthz").headers["X-Request-ID"])
        lines = [json.loads(line) for n in (0, 1) for line in logs[f"web{n}"].read_text().splitlines()
                 if line.startswith("{")]
        assert any(line.get("request_id") == "edge-4711" and "Not Found" in line["message"] for line in lines)
        # The access line comes after the answer (as above): wait for it.
        deadline = time.monotonic() + 10
        while ("request_id=edge-4711" not in logs["web0"].read_text() + logs["web1"].read_text()
               and time.monotonic() < deadline):
            time.sleep(0.1)
        assert "request_id=edge-4711" in logs["web0"].read_text() + logs["web1"].read_text()

        # The client's address is the one nginx saw (X-Forwarded-For), not the proxy's: a failed sign-in from
        # 127.0.0.3 is counted for 127.0.0.3; an X-Forwarded-For the client made up is not believed.
        from_elsewhere = httpx.Client(base_url=f"https://127.0.0.1:{https_port}", timeout=30,
                                      transport=httpx.HTTPTransport(local_address="127.0.0.3", verify=False))
        form = from_elsewhere.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
        response = from_elsewhere.post("/login/", data={"username": "nobody", "password": "wrong",
                                                        "csrfmiddlewaretoken": token},
                                       headers={"Referer": f"https://127.0.0.1:{https_port}/login/",
                                                "X-Forwarded-For": "198.51.100.7"})
        assert response.status_code == 200  # the sign-in form again, with its error (not a 403 of CSRF)
        assert list(AccessFailureLog.objects.values_list("ip_address", flat=True)) == ["127.0.0.3"]

        # /readyz through nginx: database, broker and the scheduler the unit started.
        deadline = time.monotonic() + 90
        while (response := http.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "scheduler": "ok"}}

        # /metrics adds up every gunicorn worker of both web processes (one PROMETHEUS_MULTIPROC_DIR).
        assert http.get("/metrics").status_code == 401
        metrics = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
        counted = re.search(r'servicedesk_http_request_duration_seconds_count\{method="GET",view="login"\} (\S+)',
                            metrics)
        # 12 + the sign-in form; the one redirected to https never reached the view.
        assert float(counted[1]) == 13.0

        # One web process killed: nginx sends every request to the other.
        os.killpg(procs["web0"].pid, signal.SIGKILL)
        procs["web0"].wait(timeout=10)
        for _ in range(10):
            assert https.get("/login/").status_code == 200
            assert http.get("/healthz").status_code == 200
        assert http.get("/readyz").status_code == 200
    finally:
        for name, proc in procs.items():
            if name.startswith("web") and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            stop(proc)
