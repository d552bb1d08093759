"""docker-compose.yml starts the production shape, checked without Docker (unit tier, < 2 s).

- It follows the Compose Specification: its JSON schema ships in `docker/compose-spec.json`
  (with its licence beside it), checked before and after interpolation.
- Compose refuses to start without each secret: every one is written `${NAME:?...}`, and this
  module interpolates the file as Compose does (`interpolate`, the specification's rules).
- Every service's command starts a real entry point of the project, found in the image its
  Dockerfile builds.
- Every variable a service sets is one its process reads (the settings class of that process:
  `GatewaySettings`, `ActionSettings`, `ConsoleSettings`, the migration job's
  `MigrationSettings`, or for Rasa what `helpline_nlu.serve` and the endpoints file read),
  every secret the production checks require is set without a default, and each process
  accepts the environment compose gives it, in production, once the secrets are set.
- Every long-running service has a health check on the port its process binds; the one-shot
  `migrate` job (it exits) runs before every service built from the project's images.
- What replicas need: no fixed host port or container name on rasa, actions and gateway, one
  proxy spreading the public traffic over the gateways, the shared hotline snapshot on a
  volume uid 1001 can write, every store in PostgreSQL or Redis.
"""

from __future__ import annotations

import importlib.util
import re
import secrets
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from console.settings import ConsoleSettings
from helpline.paths import BOT_DIR, ROOT
from helpline.settings import ActionSettings, GatewaySettings, Settings, describe

COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = ROOT / "docker" / "compose-spec.json"
ENDPOINTS_FILE = ROOT / "docker" / "endpoints.production.yml"
PROXY_CONF = ROOT / "docker" / "gateway-proxy.conf"
MIGRATE_SCRIPT = ROOT / "docker" / "migrate.py"
RASA_SERVE = BOT_DIR / "helpline_nlu" / "serve.py"
README = ROOT / "README.md"
#: Where the images put the project (WORKDIR of both Dockerfiles).
APP_DIR = "/app"
#: The services that run several replicas behind one name.
REPLICATED = ("rasa", "actions", "gateway")
#: Variable names that hold a secret (a token, key, password or account credential).
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|_KEY\b|ACCOUNT_SID")

# --- interpolation, as Compose does it -------------------------------------------------------

_REFERENCE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<invalid>\{|))"
)


class MissingVariable(Exception):
    """Compose refuses the file: a required variable is unset or empty."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def _substitute(text: str, env: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["invalid"] is not None:
            raise ValueError(f"invalid interpolation in {text!r}")
        name = match["braced"] or match["named"]
        op, arg = match["op"] or "", match["arg"] or ""
        value = env.get(name)
        empty = value is None or (op.startswith(":") and value == "")
        if op.endswith("-"):
            return arg if empty else str(value)
        if op.endswith("?"):
            if empty:
                raise MissingVariable(name, arg)
            return str(value)
        if op.endswith("+"):
            return "" if empty else arg
        return value or ""

    return _REFERENCE.sub(one, text)


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """The loaded file with every `${...}` in its values replaced as Compose replaces them."""
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env) for value in node]
    if isinstance(node, str):
        return _substitute(node, env)
    return node


def references(node: Any) -> Iterator[re.Match[str]]:
    """Every `${NAME...}` reference in the values of a loaded document (not in comments)."""
    if isinstance(node, dict):
        node = list(node.values())
    if isinstance(node, list):
        for value in node:
            yield from references(value)
    elif isinstance(node, str):
        yield from (m for m in _REFERENCE.finditer(node) if m["braced"])


# --- the file and the code it names ----------------------------------------------------------


@cache
def raw() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8")))


def required_variables() -> set[str]:
    """Every variable the file requires (`${NAME:?...}` or `${NAME?...}`)."""
    return {m["braced"] for m in references(raw()) if (m["op"] or "").endswith("?")}


@cache
def secret_values() -> dict[str, str]:
    """A random value for every required variable (hex: URL-safe, never a placeholder)."""
    return {name: secrets.token_hex(24) for name in sorted(required_variables())}


@cache
def resolved() -> dict[str, Any]:
    return dict(interpolate(raw(), secret_values()))


def services() -> dict[str, dict[str, Any]]:
    return dict(resolved()["services"])


def load_file(name: str, path: Path) -> ModuleType:
    """A module from a file outside the main environment's packages (registered, so pydantic
    resolves its annotations)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def rasa_serve() -> ModuleType:
    return load_file("compose_check_rasa_serve", RASA_SERVE)


def migration_settings() -> type[BaseSettings]:
    cls: type[BaseSettings] = load_file("compose_check_migrate", MIGRATE_SCRIPT).MigrationSettings
    return cls


def dockerfile_of(service: dict[str, Any]) -> Path | None:
    build = service.get("build")
    if build is None:
        return None
    return ROOT / build.get("context", ".") / build["dockerfile"]


def copies(dockerfile: Path) -> dict[str, str]:
    """Each `COPY source... target` of a Dockerfile: source in the repository -> path in the
    image (for a folder target, the source's name inside it)."""
    found: dict[str, str] = {}
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if not line.startswith("COPY "):
            continue
        *sources, target = line.split()[1:]
        for source in sources:
            inside = f"{APP_DIR}/{target}" if not target.startswith("/") else target
            if target.endswith("/") and not source.endswith("/"):
                inside = inside + Path(source).name
            found[source.rstrip("/")] = inside.replace("/./", "/").rstrip("/")
    return found


def in_image(dockerfile: Path, path: str) -> bool:
    """Whether a path relative to the image's WORKDIR is copied into the image."""
    full = f"{APP_DIR}/{path}".rstrip("/")
    return any(full == target or full.startswith(target + "/")
               for target in copies(dockerfile).values())


def kind_of(service: dict[str, Any]) -> str:
    """Which of the project's processes a service runs, from its command."""
    command = service.get("command") or []
    match command:
        case ["python", "-m", "helpline.serve", name]:
            return name
        case ["python", "-m", "console"]:
            return "console"
        case ["python", "-m", "helpline_nlu.serve", *_]:
            return "rasa"
        case ["python", "docker/migrate.py"]:
            return "migrate"
    raise AssertionError(f"not an entry point of the project: {command}")


def project_services() -> dict[str, dict[str, Any]]:
    """The services built from the project's own Dockerfiles."""
    return {name: svc for name, svc in services().items() if "build" in svc}


def endpoint_variables() -> set[str]:
    return {m["braced"] for m in references(yaml.safe_load(ENDPOINTS_FILE.read_text()))}


def variables_read(kind: str) -> set[str]:
    """The environment variables the process of `kind` reads."""
    classes: dict[str, type[BaseSettings]] = {
        "gateway": GatewaySettings, "actions": ActionSettings, "console": ConsoleSettings,
        "migrate": migration_settings(),
    }
    if kind == "rasa":
        source = RASA_SERVE.read_text(encoding="utf-8")
        direct = set(re.findall(r"(?:environ|env)\.get\(\"([A-Z_]+)\"", source))
        return direct | endpoint_variables()
    return {field.upper() for field in classes[kind].model_fields}


def is_one_shot(name: str) -> bool:
    """A job that runs and exits: something waits for it to complete successfully."""
    return any(
        (dep.get("condition") if isinstance(dep, dict) else None)
        == "service_completed_successfully"
        for svc in services().values()
        for dep_name, dep in dict(svc.get("depends_on") or {}).items() if dep_name == name)


def depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return dict(deps)


# --- the specification ------------------------------------------------------------------------


def test_the_schema_shipped_is_the_compose_specification() -> None:
    schema = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["title"] == "Compose Specification"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert (ROOT / "docker" / "compose-spec.LICENSE").read_text().lstrip().startswith(
        "Apache License")


@pytest.mark.parametrize("form", ["as written", "interpolated"])
def test_the_file_follows_the_compose_specification(form: str) -> None:
    schema = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    document = raw() if form == "as written" else resolved()
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document),
                    key=lambda e: list(e.absolute_path))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def test_the_schema_catches_a_mistake() -> None:
    validator = jsonschema.Draft202012Validator(
        yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8")))
    condition = interpolate(raw(), secret_values())
    condition["services"]["gateway"]["depends_on"]["rasa"]["condition"] = "service_ready"
    typo = interpolate(raw(), secret_values())
    typo["services"]["actions"]["healthcheck"]["intervall"] = "10s"
    for broken in (condition, typo):
        assert not validator.is_valid(broken)
    assert validator.is_valid(resolved())


# --- secrets ----------------------------------------------------------------------------------


def test_compose_refuses_to_start_without_each_secret() -> None:
    required = required_variables()
    assert {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "RASA_TOKEN", "ACTION_SERVER_TOKEN",
            "SENDER_ID_SECRET", "GATEWAY_SERVICE_TOKEN", "CONSOLE_SECRET_KEY"} <= required
    for name in required:
        for missing in ({k: v for k, v in secret_values().items() if k != name},
                        {**secret_values(), name: ""}):
            with pytest.raises(MissingVariable) as refused:
                interpolate(raw(), missing)
            assert refused.value.name == name
    assert "${" not in yaml.safe_dump(resolved())


def test_no_secret_has_a_default() -> None:
    for match in references(raw()):
        if SECRET_NAME.search(match["braced"]) and (match["op"] or "").endswith(("-", "+")):
            # Only an optional channel's secret may be left out, and then it is empty.
            assert match["arg"] == "", f"{match[0]} has a default"
    # Every database and Redis URL takes its password from a required variable.
    for name, svc in raw()["services"].items():
        for variable, value in dict(svc.get("environment") or {}).items():
            if variable.endswith("_URL") and "@" in str(value):
                password = str(value).split("//", 1)[1].rsplit("@", 1)[0].split(":", 1)[1]
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", password), (name, variable)


def production_problems(kind: str, env: dict[str, str],
                        monkeypatch: pytest.MonkeyPatch) -> str:
    """What the production checks of `kind`'s process say about `env` (empty: they pass),
    with nothing else from this machine's environment or `.env`."""
    if kind == "rasa":
        service = next(s for s in project_services().values() if kind_of(s) == "rasa")
        found: list[str] = rasa_serve().problems({"HELPLINE_ENV": "production", **env},
                                                 list(service["command"][3:]))
        return "; ".join(found)
    classes: dict[str, type[BaseSettings]] = {
        "gateway": GatewaySettings, "actions": ActionSettings, "console": ConsoleSettings,
        "migrate": migration_settings(),
    }
    cls = classes[kind]
    for field in {*Settings.model_fields, *ConsoleSettings.model_fields, *cls.model_fields}:
        monkeypatch.delenv(field.upper(), raising=False)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("HELPLINE_ENV", "production")
    try:
        cls(_env_file=None)
    except ValidationError as exc:
        return describe(exc)
    return ""


def test_every_secret_the_production_checks_require_is_set_without_a_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    written = raw()["services"]
    kinds = set()
    for name, svc in project_services().items():
        kind = kind_of(svc)
        kinds.add(kind)
        with monkeypatch.context() as patch:
            problems = production_problems(kind, {}, patch)
        named = set(re.findall(r"\b([A-Z][A-Z0-9_]+)(?::| is | has | repeats )", problems))
        assert named, (name, problems)
        for variable in named:
            if kind == "migrate":  # the URLs it needs; their passwords are checked above
                assert variable in written[name]["environment"], (name, variable)
                continue
            value = str(written[name]["environment"].get(variable, ""))
            assert value.startswith(f"${{{variable}:?") and value.endswith("}"), (
                f"{name} must require {variable} without a default, not {value!r}")
    assert kinds == {"migrate", "actions", "rasa", "gateway", "console"}


def test_each_process_accepts_the_environment_compose_gives_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, svc in project_services().items():
        env = {key: str(value) for key, value in svc["environment"].items()}
        assert env["HELPLINE_ENV"] == "production", name
        with monkeypatch.context() as patch:
            assert production_problems(kind_of(svc), env, patch) == "", name


def test_the_gateway_and_the_console_share_one_service_token() -> None:
    env = {name: raw()["services"][name]["environment"] for name in ("gateway", "console")}
    tokens = {name: next(references(e["GATEWAY_SERVICE_TOKEN"]))["braced"]
              for name, e in env.items()}
    assert tokens == {"gateway": "GATEWAY_SERVICE_TOKEN", "console": "GATEWAY_SERVICE_TOKEN"}
    resolved_env = {name: services()[name]["environment"] for name in env}
    assert resolved_env["gateway"]["GATEWAY_SERVICE_TOKEN"] == (
        resolved_env["console"]["GATEWAY_SERVICE_TOKEN"])


# --- commands and environment -----------------------------------------------------------------


def test_every_command_starts_a_real_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    from helpline import serve

    for name, svc in project_services().items():
        kind, command = kind_of(svc), svc["command"]
        dockerfile = dockerfile_of(svc)
        assert dockerfile is not None and dockerfile.is_file(), name
        assert f"WORKDIR {APP_DIR}" in dockerfile.read_text(encoding="utf-8"), name
        if command[1] == "-m":
            module = command[2]
            if kind == "rasa":
                assert RASA_SERVE.is_file() and "def main(" in RASA_SERVE.read_text()
                assert in_image(dockerfile, "bot/helpline_nlu/serve.py"), name
            else:
                spec = importlib.util.find_spec(module)
                assert spec is not None and spec.origin, module
                package = module.split(".")[0]
                assert in_image(dockerfile, f"{package}/"), (name, package)
                if module == "console":
                    assert importlib.util.find_spec("console.__main__") is not None
        else:
            script = command[1]
            assert (ROOT / script).is_file() and in_image(dockerfile, script), (name, script)
        if kind in ("actions", "gateway"):
            assert serve.main(["no-such-process"]) == 2
            runners = re.search(r"\{([a-z,]+)\}", capsys.readouterr().err)
            assert runners and kind in runners[1].split(","), runners


def test_rasa_starts_on_the_model_and_endpoints_its_image_holds() -> None:
    svc = services()["rasa"]
    command = svc["command"]
    option = {command[i]: command[i + 1] for i in range(3, len(command) - 1)
              if command[i].startswith("--")}
    assert "--auth-token" not in command, "the token comes from the environment only"
    dockerfile = dockerfile_of(svc)
    assert dockerfile is not None
    text = dockerfile.read_text(encoding="utf-8")
    # `cd bot && rasa train --out models --fixed-model-name helpline` -> bot/models/helpline.tar.gz
    train = re.search(r"cd bot && rasa train --out (\S+) --fixed-model-name (\S+)", text)
    assert train and option["--model"] == f"bot/{train[1]}/{train[2]}.tar.gz"
    assert copies(dockerfile)["docker/endpoints.production.yml"] == (
        f"{APP_DIR}/{option['--endpoints']}")
    assert (ROOT / option["--credentials"]).is_file()
    assert in_image(dockerfile, option["--credentials"])
    assert option["--interface"] == "0.0.0.0"


def test_every_variable_a_service_sets_is_one_its_process_reads() -> None:
    for name, svc in project_services().items():
        kind = kind_of(svc)
        unread = set(svc["environment"]) - variables_read(kind)
        assert not unread, f"{name} sets {sorted(unread)}, which {kind} never reads"
    # The migration job's variables mean what they mean to the processes.
    fields = {f.upper() for f in (*Settings.model_fields, *ConsoleSettings.model_fields)}
    assert variables_read("migrate") <= fields


def test_rasa_is_given_every_variable_its_endpoints_file_names() -> None:
    assert endpoint_variables() <= set(services()["rasa"]["environment"])
    endpoints = yaml.safe_load(ENDPOINTS_FILE.read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["headers"] == {
        "Authorization": "Bearer ${ACTION_SERVER_TOKEN}"}
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["tracker_store"]["url"] in services()
    assert endpoints["lock_store"]["type"] == "helpline_nlu.lock_store.SharedLockStore"
    assert endpoints["lock_store"]["url"] in services()
    assert endpoints["lock_store"]["password"] == "${REDIS_PASSWORD}"


def bound_port(service: dict[str, Any]) -> int:
    """The port a project process listens on, from its environment or its command."""
    env, command = service["environment"], service["command"]
    for variable in ("ACTIONS_PORT", "GATEWAY_PORT", "CONSOLE_PORT"):
        if variable in env:
            return int(env[variable])
    return int(command[command.index("--port") + 1])


def test_every_address_a_service_is_given_reaches_a_service_on_its_port() -> None:
    found = 0
    for name, svc in project_services().items():
        for variable, value in svc["environment"].items():
            if not variable.endswith("_URL") or not str(value).startswith("http"):
                continue
            url = urlsplit(str(value))
            target = services().get(str(url.hostname))
            assert target is not None, f"{name}: {variable} names no service"
            assert url.port == bound_port(target), f"{name}: {variable} port"
            found += 1
    assert found >= 3  # gateway -> rasa, rasa -> actions, console -> gateway


def test_every_store_is_in_postgresql_or_redis() -> None:
    for name, svc in project_services().items():
        for variable, value in svc["environment"].items():
            if variable.endswith("DATABASE_URL"):
                url = urlsplit(str(value))
                assert url.scheme.startswith("postgresql") and url.hostname == "db", name
            if variable == "REDIS_URL":
                assert urlsplit(str(value)).hostname == "redis", name
    assert services()["gateway"]["environment"]["REDIS_URL"], "the rate limit is shared"


def test_the_stores_can_share_one_database() -> None:
    """Every store keeps its own tables and its own Alembic version table, and none takes the
    name of Rasa's tracker table, so all of them can live in the one `helpline` database."""
    import channels.store
    import console.db
    import console.models
    import helpline.handoff
    import knowledge.models

    owners = {
        "knowledge": {*knowledge.models.Base.metadata.tables, "alembic_version"},
        "gateway": {*channels.store.metadata.tables, channels.store.VERSION_TABLE},
        "handoff": {*helpline.handoff.metadata.tables, helpline.handoff.VERSION_TABLE},
        "console": {*console.models.ConsoleBase.metadata.tables, console.db.VERSION_TABLE},
        "rasa": {"events"},
    }
    everything = [table for tables in owners.values() for table in tables]
    assert len(everything) == len(set(everything))


# --- health, order, replicas, users and volumes -----------------------------------------------


def test_every_long_running_service_has_a_health_check() -> None:
    one_shot = {name for name in services() if is_one_shot(name)}
    assert one_shot == {"migrate"}
    for name, svc in services().items():
        if name in one_shot:
            assert svc.get("restart", "no") == "no", "a job that exits is not restarted"
            continue
        check = svc.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), name
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert svc.get("restart") == "unless-stopped", name
        if "build" in svc:
            probe = " ".join(check["test"])
            assert f"127.0.0.1:{bound_port(svc)}/" in probe, (name, probe)


def test_the_migration_runs_before_every_other_service() -> None:
    migrate = services()["migrate"]
    assert kind_of(migrate) == "migrate"
    assert depends_on(migrate) == {"db": {"condition": "service_healthy"}}
    for name, svc in project_services().items():
        if name != "migrate":
            assert depends_on(svc).get("migrate") == {
                "condition": "service_completed_successfully"}, name

    # Every other service waits for the migration through its dependencies (and no cycle).
    def waits_for_migrate(name: str, seen: frozenset[str] = frozenset()) -> bool:
        assert name not in seen, f"dependency cycle through {name}"
        deps = depends_on(services()[name])
        return "migrate" in deps or any(waits_for_migrate(d, seen | {name}) for d in deps)

    for name in services():
        if name not in ("db", "redis", "migrate"):
            assert waits_for_migrate(name), name
    for name, svc in services().items():
        for dep, how in depends_on(svc).items():
            if dep != "migrate":
                assert how["condition"] == "service_healthy", (name, dep)


def test_the_replicated_services_can_scale() -> None:
    for name in REPLICATED:
        svc = services()[name]
        assert "container_name" not in svc and "ports" not in svc, name
        assert svc["networks"][0] == "backend", name
    published = {name for name, svc in services().items() if svc.get("ports")}
    assert published == {"proxy", "console"}
    assert all(str(p).startswith("127.0.0.1:") for p in services()["console"]["ports"])
    assert resolved()["networks"]["backend"].get("internal") is True
    for name in ("rasa", "actions", "db", "redis", "migrate"):
        assert services()[name]["networks"] == ["backend"], name


def test_the_proxy_spreads_the_public_traffic_over_every_gateway() -> None:
    conf = PROXY_CONF.read_text(encoding="utf-8")
    proxy = services()["proxy"]
    port = bound_port(services()["gateway"])
    assert re.search(rf"^\s*server gateway:{port} resolve\b", conf, re.M)
    assert re.search(r"^resolver 127\.0\.0\.11\b", conf, re.M), "Docker's DNS, asked again"
    assert re.search(r"location /internal/ \{\s*return 404;", conf), "internal API not public"
    listen = re.search(r"listen (\d+);", conf)
    assert listen and proxy["ports"] == [f"{listen[1]}:{listen[1]}"]
    assert "/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"][0]
    health = re.search(r"location = (\S+) \{\s*return 200", conf)
    assert health and f"127.0.0.1:{listen[1]}{health[1]}" in " ".join(proxy["healthcheck"]["test"])
    assert "access_log off;" in conf, "no addresses or paths of people kept"
    assert depends_on(proxy) == {"gateway": {"condition": "service_healthy"}}


def test_the_images_run_as_uid_1001_and_own_what_they_write() -> None:
    for path in {dockerfile_of(svc) for svc in project_services().values()}:
        assert path is not None
        lines = [line for line in path.read_text(encoding="utf-8").splitlines()
                 if line.startswith("USER ")]
        assert lines and lines[-1] == "USER 1001", path
        assert "useradd --uid 1001" in path.read_text(encoding="utf-8"), f"{path}: no home"
        assert (path.parent / f"{path.name}.dockerignore").is_file(), path
        ignored = (path.parent / f"{path.name}.dockerignore").read_text().split()
        assert {".env", ".venv/", ".venv-rasa/", "var/"} <= set(ignored), path
    app = (ROOT / "docker" / "app.Dockerfile").read_text(encoding="utf-8")
    # The sources stay in /app, so the catalogues and var/ are found beside the packages.
    assert "pip install --no-cache-dir -e ." in app
    owned = re.search(r"mkdir -p (\S+) \\\n\s*&& chown -R 1001:1001 (\S+)", app)
    assert owned, "the app image gives uid 1001 its folder"
    writers = {name: svc for name, svc in project_services().items()
               if "HOTLINE_SNAPSHOT_PATH" in svc["environment"]}
    assert set(writers) == {"actions", "gateway"}
    paths = {str(svc["environment"]["HOTLINE_SNAPSHOT_PATH"]) for svc in writers.values()}
    assert len(paths) == 1, "the action servers write where the gateways read"
    folder = str(Path(paths.pop()).parent)
    assert folder.startswith(owned[2]) and owned[1] == folder
    mounts = {name: [v for v in svc["volumes"] if v.split(":")[1] == folder]
              for name, svc in writers.items()}
    assert mounts["actions"] == [f"hotlines:{folder}"]
    assert mounts["gateway"] == [f"hotlines:{folder}:ro"]
    assert "hotlines" in resolved()["volumes"]


def test_every_service_logs_with_a_bounded_rotation() -> None:
    for name, svc in services().items():
        options = svc.get("logging", {}).get("options", {})
        assert svc["logging"]["driver"] == "json-file" and options.get("max-file"), name


def test_the_readme_says_how_to_run_and_scale_it() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Running with Docker Compose\n", 1)[1].split("\n## ", 1)[0]
    assert "--scale rasa=2 --scale actions=2 --scale gateway=2" in section
    for name in required_variables():
        assert f"`{name}`" in section, f"the README does not say to set {name}"
