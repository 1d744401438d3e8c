"""The container and cluster files of deploy/, checked without a container engine or a
cluster: the Dockerfile's stages and users, compose's services, the Kubernetes objects
(kinds, non-root, probes, how they point at each other) and nginx's configurations,
which the installed nginx parses (`nginx -t`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROOT = DEPLOY.parent


def dockerfile_stages() -> dict[str, list[str]]:
    """Stage name -> its instructions (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    stages: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line, re.IGNORECASE)
        if match:
            current = match.group(2)
            stages[current] = [line]
        elif current:
            stages[current].append(line)
    return stages


def kubernetes() -> list[dict]:
    objects = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return objects


def pod_specs(objects: list[dict]) -> dict[str, dict]:
    return {
        obj["metadata"]["name"]: obj["spec"]["template"]["spec"]
        for obj in objects
        if obj["kind"] in {"Deployment", "Job"}
    }


def test_the_dockerfile_builds_in_stages_and_runs_as_no_root():
    stages = dockerfile_stages()
    assert list(stages) == ["build", "app", "nginx"]
    app = stages["app"]
    users = [line.split()[1] for line in app if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert any(line.startswith("COPY --from=build /opt/venv") for line in app)
    # Nothing is installed with pip in the runtime stage: it only copies the build's venv.
    assert not any("pip install" in line for line in app)
    assert "gunicorn.conf.py" in app[-1] and app[-1].startswith("CMD")
    assert stages["nginx"][0].split()[1].startswith("nginxinc/nginx-unprivileged:")
    assert (DEPLOY / "Dockerfile.dockerignore").read_text().count(".venv") == 1


def test_compose_runs_every_service_but_the_databases_unprivileged_behind_nginx():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "migrate", "nginx", "db", "redis"}
    stages = dockerfile_stages()
    for name in ("web", "worker", "migrate"):
        service = services[name]
        assert service["user"] == "10001:10001"
        assert service["build"]["target"] == "app" and service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["environment"]["PROXY_HOPS"] == "1"
        assert "/var/lib/kringwerk" in service["volumes"][0]  # uploads shared by web and worker
    assert services["nginx"]["build"]["target"] in stages
    assert services["worker"]["command"] == ["kringwerk", "worker"]
    assert services["migrate"]["command"] == ["kringwerk", "db", "upgrade"]
    # Only nginx is reachable from outside; gunicorn only through it.
    assert [name for name, service in services.items() if "ports" in service] == ["nginx"]
    template = services["nginx"]["volumes"][0].split(":")[0]
    assert (DEPLOY / template).is_file()


def test_kubernetes_has_every_object_of_a_scaled_out_deployment():
    objects = kubernetes()
    kinds = sorted(obj["kind"] for obj in objects)
    assert kinds == sorted(
        [
            "ConfigMap",
            "Secret",
            "PersistentVolumeClaim",
            "Deployment",
            "Deployment",
            "Service",
            "Ingress",
            "HorizontalPodAutoscaler",
            "Job",
        ]
    )
    by_name = {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}
    web = by_name[("Deployment", "kringwerk-web")]
    worker = by_name[("Deployment", "kringwerk-worker")]
    service = by_name[("Service", "kringwerk-web")]
    assert service["spec"]["selector"].items() <= web["spec"]["template"]["metadata"]["labels"].items()
    assert not service["spec"]["selector"].items() <= worker["spec"]["template"]["metadata"]["labels"].items()
    port_names = {
        p["name"] for c in web["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])
    }
    assert service["spec"]["ports"][0]["targetPort"] in port_names
    ingress_backend = by_name[("Ingress", "kringwerk")]["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert ingress_backend["service"]["name"] == "kringwerk-web"
    assert ingress_backend["service"]["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    target = by_name[("HorizontalPodAutoscaler", "kringwerk-web")]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "kringwerk-web")
    assert worker["spec"]["template"]["spec"]["containers"][0]["command"] == ["kringwerk", "worker"]
    assert worker["spec"]["replicas"] >= 2


def test_every_pod_runs_as_no_root_and_the_web_is_probed():
    objects = kubernetes()
    for name, spec in pod_specs(objects).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert context["capabilities"]["drop"] == ["ALL"]
            assert context.get("runAsUser", spec["securityContext"].get("runAsUser")) not in (None, 0)
    web = pod_specs(objects)["kringwerk-web"]
    for container in web["containers"]:
        assert {"readinessProbe", "livenessProbe"} <= container.keys(), container["name"]
    gunicorn = next(c for c in web["containers"] if c["name"] == "web")
    assert gunicorn["readinessProbe"]["httpGet"]["path"] == "/healthz"
    # The kubelet probes the pod's address: gunicorn must listen there, not on loopback only.
    bind = {item["name"]: item.get("value") for item in gunicorn.get("env", [])}.get("GUNICORN_BIND")
    assert bind is None or not bind.startswith("127.")


def test_the_app_reads_the_app_role_and_the_migrations_the_owner():
    objects = kubernetes()
    secret = next(obj for obj in objects if obj["kind"] == "Secret")["stringData"]
    config = next(obj for obj in objects if obj["kind"] == "ConfigMap")["data"]
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMTP_URL", "MIGRATE_DATABASE_URL"} <= secret.keys()
    assert secret["DATABASE_URL"].split("://", 1)[1].startswith("kringwerk_app:")
    assert secret["MIGRATE_DATABASE_URL"].split("://", 1)[1].startswith("kringwerk_owner:")
    assert config["KRINGWERK_ENV"] == "production" and config["BASE_URL"].startswith("https://")
    job = pod_specs(objects)["kringwerk-migrate"]["containers"][0]
    assert job["command"] == ["kringwerk", "db", "upgrade"]
    env = {item["name"]: item for item in job["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "MIGRATE_DATABASE_URL"
    assert env["KRINGWERK_APP_ROLE"]["value"] == "kringwerk_app"
    for name in ("kringwerk-web", "kringwerk-worker"):
        for container in pod_specs(objects)[name]["containers"]:
            names = {item["name"] for item in container.get("env", [])}
            assert "DATABASE_URL" not in names  # the app's own URL, from the Secret


def _nginx() -> str:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: `make system-deps` installs it")
        pytest.skip("nginx is not installed (make system-deps installs it)")
    return binary


@pytest.mark.parametrize("template", ["kringwerk.conf.template", "tls.conf.template"])
def test_nginx_accepts_each_configuration_as_the_image_renders_it(template, tmp_path):
    nginx = _nginx()
    values = {
        "KRINGWERK_UPSTREAM": "127.0.0.1:8000",
        "REAL_IP_FROM": "10.0.0.0/8",
        "KRINGWERK_DOMAIN": "kringwerk.example.nl",
    }
    text = (DEPLOY / "nginx" / template).read_text()
    for name in set(re.findall(r"\$\{(\w+)\}", text)):
        text = text.replace("${" + name + "}", values[name])
    assert "${" not in text
    text = text.replace("/etc/nginx/kringwerk/", f"{tmp_path}/").replace("/etc/nginx/tls/", f"{tmp_path}/")
    locations = (DEPLOY / "nginx" / "locations.conf").read_text().replace("/app/", f"{ROOT}/")
    (tmp_path / "locations.conf").write_text(locations.replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "logging.conf").write_text((DEPLOY / "nginx" / "logging.conf").read_text())
    versions = subprocess.run(
        [sys.executable, str(DEPLOY / "nginx" / "static_versions.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    (tmp_path / "static-versions.conf").write_text(versions.stdout)
    (tmp_path / "site.conf").write_text(text)
    if "ssl_certificate" in text:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=kringwerk.example.nl",
            ]
            + ["-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
            check=True,
            capture_output=True,
        )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # The static files nginx serves are the app's own.
    static = re.search(r"alias (\S+);", locations).group(1)
    assert Path(static, "css", "kringwerk.css").is_file()
