"""deploy/ matches the code: every variable the files set is one the bot reads (and .env.example
lists), each service or unit gets valid settings for the role it runs, and the ports agree
between the processes, their health checks and the proxy in front of the web processes.

Docker itself is not run here (the machines have no registry of images); the compose file is
read as Compose reads it, YAML merge keys and ``${VAR:?…}`` included, and each process's
settings are loaded with :func:`bot.config.load_settings`, which refuses what it cannot use.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

from bot.config import Role, load_settings

from .conftest import ROOT

DEPLOY = ROOT / "deploy"
FILLED = {  # what an operator writes into .env before `docker compose up`
    "TELEGRAM_BOT_TOKEN": "123456:DEPLOY-test-token", "HOITIN_WEBHOOK_URL": "https://hoitin.example.vn/telegram/hook",
    "HOITIN_WEBHOOK_SECRET": "deploy-s3cret", "PUBLIC_HOST": "hoitin.example.vn", "POSTGRES_PASSWORD": "pw",
}


def example() -> dict[str, str]:
    """.env.example as a dictionary (comments and blank lines left out)."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def interpolated(text: str, env: dict[str, str]) -> str:
    """``${VAR}`` and ``${VAR:?message}`` replaced as Compose does (a missing one is an error)."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert env.get(name), f"{name} is used by the compose file but not set in .env"
        return env[name]

    return re.sub(r"\$\{(\w+)(?::\?[^}]*)?\}", value, text)


def test_every_variable_in_deploy_is_one_env_example_lists() -> None:
    known = set(example())
    for path in [*DEPLOY.rglob("*"), ROOT / ".env.example"]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            used = set(re.findall(r"\b((?:HOITIN|TELEGRAM)_[A-Z_]+)\b", text)) | set(re.findall(r"\$\{(\w+)", text))
            assert used <= known, f"{path.name} uses {sorted(used - known)}, which .env.example does not list"


def test_compose_gives_each_process_valid_settings_for_its_role() -> None:
    env = {**example(), **FILLED}
    compose = yaml.safe_load(interpolated((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"), env))
    services = compose["services"]
    assert set(services) == {"postgres", "worker", "web1", "web2", "proxy"}
    roles = {}
    for name in ("worker", "web1", "web2"):
        service = services[name]
        assert service["env_file"] == "../.env" and service["depends_on"]["postgres"]["condition"] == "service_healthy"
        settings = load_settings({**env, **service["environment"]}, dotenv=False)  # .env first, the file's own after
        assert service["command"][-2:] == ["--role", settings.role.value]
        roles[name] = settings
        password = services["postgres"]["environment"]["POSTGRES_PASSWORD"]
        assert settings.database_url == f"postgresql://hoitin:{password}@postgres:5432/hoitin"
        assert settings.data_dir == Path("/data") and "articles:/data" in service["volumes"]
        health = " ".join(service["healthcheck"]["test"])
        assert f"127.0.0.1:{settings.metrics_port}/healthz" in health and settings.metrics_listen == "0.0.0.0"
    assert roles["worker"].role is Role.WORKER
    assert roles["web1"].role is roles["web2"].role is Role.WEB
    assert roles["web1"].webhook_listen == "0.0.0.0" and roles["web1"].webhook_secret == FILLED["HOITIN_WEBHOOK_SECRET"]
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy)
    assert upstreams and upstreams.group(1).split() == [f"{n}:{roles[n].webhook_port}" for n in ("web1", "web2")]
    assert f"health_port {roles['web1'].metrics_port}" in caddy and "health_uri /healthz" in caddy
    assert re.search(r"request_body \{\s*max_size 1MB\s*\}", caddy), "big bodies refused before a web process"
    assert "{$PUBLIC_HOST}" in caddy and services["proxy"]["environment"]["PUBLIC_HOST"] == FILLED["PUBLIC_HOST"]
    assert compose["volumes"].keys() == {"postgres", "articles", "caddy"}


def test_systemd_units_run_each_role_on_ports_of_their_own() -> None:
    env = {**example(), **FILLED, "HOITIN_DATABASE_URL": "postgresql://hoitin@127.0.0.1/hoitin"}
    ports: list[int] = []
    for unit, role in (("hoitin-web@.service", Role.WEB), ("hoitin-worker@.service", Role.WORKER)):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd's keys are case-sensitive
        parser.read_string((DEPLOY / "systemd" / unit).read_text(encoding="utf-8").replace("\\\n", " "))
        service = parser["Service"]
        assert service["EnvironmentFile"] == "/etc/hoitin/hoitin.env" and service["Restart"] == "on-failure"
        # env(1) sets the unit's own variables after the file, so they win over a copied .env.example.
        command = service["ExecStart"].split()
        assert command[0] == "/usr/bin/env" and command[-5:] == ["/opt/hoitin/.venv/bin/python", "-m", "bot",
                                                                "--role", role.value]
        own = dict(word.split("=", 1) for word in command[1:-5])
        assert own["HOITIN_DATA_DIR"] == service["ReadWritePaths"] == "/var/lib/hoitin"
        for instance in ("1", "2"):
            settings = load_settings({**env, **{k: v.replace("%i", instance) for k, v in own.items()}}, dotenv=False)
            ports += [settings.metrics_port or 0] + ([settings.webhook_port] if role is Role.WEB else [])
    assert len(ports) == len(set(ports)) == 6 and 0 not in ports, f"every instance on ports of its own: {ports}"
