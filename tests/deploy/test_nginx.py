"""deploy/nginx.conf.example in front of a real gunicorn instance: nginx (Debian's package) runs the
example itself, with only names, ports and paths swapped for loopback ones and a throwaway
certificate. The client connects from 127.0.0.2, nginx from 127.0.0.1, so the tests can tell whose
address the app saw."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.cluster import PROJECT, AppInstance, app_environment, free_port
from tests.conftest import skip_or_fail

EXAMPLE = PROJECT / "deploy" / "nginx.conf.example"
CLIENT = "127.0.0.2"
STRANGER = "127.0.0.3"
HSTS = "max-age=31536000; includeSubDomains"


def _nginx() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None)


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    chain, private = folder / "fullchain.pem", folder / "privkey.pem"
    chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return chain, private


def site_config(instance_port: int, down_port: int, http: int, https: int, folder: Path) -> str:
    """The example with loopback names, ports and paths; each replaced text must be in it, so the test
    follows the example when it changes."""
    chain, private = _certificate(folder)
    text = EXAMPLE.read_text()
    replacements = [
        ("listen [::]:80 default_server;\n", ""), ("listen [::]:443 ssl default_server;\n", ""),
        ("listen [::]:80;\n", ""), ("listen [::]:443 ssl http2;\n", ""),
        ("listen 80", f"listen 127.0.0.1:{http}"), ("listen 443", f"listen 127.0.0.1:{https}"),
        ("elearn.politi.example", "localhost"), ("/etc/ssl/elearn/fullchain.pem", str(chain)),
        ("/etc/ssl/elearn/privkey.pem", str(private)), ("/srv/elearn/static/", f"{PROJECT}/static/"),
        ("/var/log/nginx/elearn.access.log", str(folder / "elearn.access.log")),
        ("192.0.2.10", CLIENT), ("8001", str(instance_port)), ("8002", str(down_port)),
    ]
    for old, new in replacements:
        assert old in text, f"{old!r} is no longer in {EXAMPLE.name}"
        text = text.replace(old, new)
    return text


def main_config(folder: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides, kept inside folder."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                         "uwsgi", "scgi"))
    return (f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'};\nevents {{ worker_connections 64; }}\n"
            f"http {{ {mime} access_log {folder / 'access.log'}; {temp} include {site}; }}\n")


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "localhost"}, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise AssertionError("nginx did not start")


class Site:
    def __init__(self, https: int, http: int, folder: Path, app_log: Path, instance_port: int):
        self.https, self.http, self.folder, self.app_log = https, http, folder, app_log
        self.instance_port = instance_port
        self.verify = ssl.create_default_context(cafile=folder / "fullchain.pem")

    def client(self, address: str = CLIENT) -> httpx.Client:
        transport = httpx.HTTPTransport(local_address=address, verify=self.verify)
        return httpx.Client(base_url=f"https://localhost:{self.https}", transport=transport, timeout=10)

    def app_line(self, request_id: str) -> dict:
        """The app's request log line of that request."""
        for _ in range(50):
            for line in self.app_log.read_text().splitlines():
                if line.startswith("{") and json.loads(line).get("request_id") == request_id:
                    return json.loads(line)
            time.sleep(0.1)
        raise AssertionError(f"no log line with request id {request_id}")


@pytest.fixture(scope="module")
def site():
    nginx = _nginx()
    if nginx is None:
        skip_or_fail("no nginx (Debian package nginx)")
    folder = Path(tempfile.mkdtemp(prefix="elearn-nginx-"))
    env = app_environment(f"sqlite:///{folder / 'elearn.sqlite'}", None, ENV="production",
                          TRUSTED_PROXIES="1")
    upgraded = subprocess.run([str(Path(sys.executable).parent / "elearn"), "db", "upgrade"], cwd=PROJECT,
                              env=env, capture_output=True, text=True, timeout=120, check=False)
    assert upgraded.returncode == 0, upgraded.stderr
    instance = AppInstance(free_port(), env, workers=1, log=folder / "app.log").start()
    http, https = free_port(), free_port()
    site_file = folder / "elearn.conf"
    site_file.write_text(site_config(instance.port, free_port(), http, https, folder))
    main = folder / "nginx.conf"
    main.write_text(main_config(folder, site_file))
    # -e: nginx opens its error log before reading the configuration (the default one needs root).
    command = [nginx, "-e", str(folder / "error.log"), "-c", str(main)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    process = None
    try:
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(http, process, folder / "error.log")
        yield Site(https, http, folder, instance.log, instance.port)
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)
        instance.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_plain_http_redirects_to_https(site):
    response = httpx.get(f"http://127.0.0.1:{site.http}/login?next=/", headers={"Host": "localhost"})
    assert response.status_code == 301
    assert response.headers["Location"] == "https://localhost/login?next=/"


def test_an_unknown_host_name_gets_no_answer(site):
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"http://127.0.0.1:{site.http}/login", headers={"Host": "elearn.attacker.example"})


def test_https_page_has_one_hsts_header_and_a_secure_session_cookie(site):
    with site.client() as client:
        response = client.get("/login")
    assert response.status_code == 200
    assert response.headers.get_list("Strict-Transport-Security") == [HSTS]
    cookie = next(value for value in response.headers.get_list("Set-Cookie")
                  if value.startswith("elearn_session="))
    assert "Secure" in cookie.split("; ")


def test_the_app_sees_the_clients_address_and_https_not_forged_headers(site):
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http",
              "X-Forwarded-Host": "elearn.attacker.example", "X-Request-ID": "forged-id"}
    with site.client() as client:
        response = client.get("/login", headers=forged)
    request_id = response.headers["X-Request-ID"]
    assert request_id != "forged-id"
    assert site.app_line(request_id)["remote_addr"] == CLIENT
    assert request_id in (site.folder / "elearn.access.log").read_text()
    cookie = next(value for value in response.headers.get_list("Set-Cookie")
                  if value.startswith("elearn_session="))
    assert "Secure" in cookie.split("; ")


def test_the_access_log_has_no_query_strings_or_check_in_tokens(site):
    with site.client() as client:
        client.get("/login/sso/callback?code=SECRETCODE&state=SECRETSTATE")
        client.get("/workshops/check-in/SECRETTOKEN.abc")
    log_file, wanted = site.folder / "elearn.access.log", '"GET /workshops/check-in/[token] HTTP/1.1"'
    deadline = time.monotonic() + 5  # nginx writes the line after the answer
    while wanted not in log_file.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = log_file.read_text()
    assert '"GET /login/sso/callback HTTP/1.1"' in log
    assert '"GET /workshops/check-in/[token] HTTP/1.1"' in log
    assert "SECRET" not in log


def test_static_files_come_from_nginx_with_caching_and_hsts(site):
    with site.client() as client:
        response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.text == (PROJECT / "static" / "css" / "app.css").read_text()
    assert response.headers["Cache-Control"] == "max-age=3600"
    assert response.headers.get_list("Strict-Transport-Security") == [HSTS]
    assert "X-Request-ID" not in response.headers  # not the app's answer


def test_bodies_over_the_apps_limit_are_refused_by_nginx(site):
    with site.client() as client:
        response = client.post("/login", content=b"x" * (4 * 1024 * 1024 + 1))
    assert response.status_code == 413


def test_metrics_only_for_the_monitoring_host_and_never_through_the_balancer(site):
    with site.client() as client:
        assert client.get("/metrics").status_code == 403
        per_instance = client.get(f"/metrics/{site.instance_port}")
    with site.client(STRANGER) as stranger:
        assert stranger.get(f"/metrics/{site.instance_port}").status_code == 403
    assert per_instance.status_code == 200
    assert "elearn_http_requests" in per_instance.text
