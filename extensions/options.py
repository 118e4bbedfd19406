"""The option tables: one per option family, one row per choice.

Everything that varies by *data* between the choices of a question lives in its
row here, once: the dependency to install, the URL scheme and default URL, the
compose and CI partials (under ``includes/``), the service the harness
provisions, the line the docs show.  What varies by *code* lives in files of its
own under ``template/`` (conditional names, overlay directories), never in
``{% if %}`` lines of shared files.

``derive(answers)`` turns the answers into what templates read (the context
hook in ``extensions/context.py`` merges it into the rendering context);
``services(answers)`` names the real services a combination needs (the harness,
``tests/services.py``, and the GitHub matrix read it).

Adding a choice: add a row (and its partials and files); adding a family: add a
table, a question in copier.yml and a few lines in ``derive``.
docs/options.md walks through both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Plugin:
    """A feature package the composition root installs: ``<package>.<module>`` exposes ``name``."""

    module: str
    name: str


@dataclass(frozen=True)
class SettingsPart:
    """Settings a feature owns, composed into the service's ``Settings``."""

    module: str
    name: str


@dataclass(frozen=True)
class Database:
    key: str
    label: str
    # The async driver: requirement, import name (never imported: deptry is told), URL scheme.
    driver: str
    driver_module: str
    scheme: str
    # URL prefixes users write, rewritten to ``scheme`` (``postgresql://`` -> ``postgresql+asyncpg://``).
    accepted_prefixes: tuple[str, ...]
    # Defaults, ``{package}`` replaced by the package name.
    default_url: str
    # The URL inside the compose network ("" : a file in the data volume).
    compose_url: str = ""
    # The compose volume holding the data: the service's own (mounted at /app/data) for a
    # file, else the database server's (mounted by the ``db`` service of compose_partial).
    compose_volume: str = "data"
    # Partials under includes/: a compose service named ``db`` (with a health check), and a
    # GitHub Actions service container (its entry under ``services:``).
    compose_partial: str = ""
    ci_partial: str = ""
    # The database CI migrates (``alembic upgrade head``; "" : the default SQLite file), and
    # the server the generated tests create their databases on in CI ("" : SQLite files):
    # the credentials of the ci_partial's container.
    ci_database_url: str = ""
    ci_test_server_url: str = ""
    # The service tests/services.py provisions for this choice ("" : none).
    harness_service: str = ""
    docs: str = ""


@dataclass(frozen=True)
class Orm:
    key: str
    label: str
    dependencies: tuple[str, ...]
    # The infrastructure package the ORM brings (db/ or memory/).
    package: str
    has_database: bool
    plugins: tuple[Plugin, ...] = ()
    settings: tuple[SettingsPart, ...] = ()
    # Libraries that services and entry layers must not import (import-linter contracts).
    forbidden_in_services: tuple[str, ...] = ()
    docs: str = ""


ALEMBIC = "alembic>=1.20.1,<2"
SQLALCHEMY = "sqlalchemy[asyncio]>=2.1.9,<2.2"
AIOSQLITE = "aiosqlite>=0.22.1,<0.23"

DATABASES: dict[str, Database] = {
    row.key: row
    for row in (
        Database(
            key="sqlite",
            label="SQLite (embedded, aiosqlite)",
            driver=AIOSQLITE,
            driver_module="aiosqlite",
            scheme="sqlite+aiosqlite",
            accepted_prefixes=("sqlite",),
            default_url="sqlite+aiosqlite:///./{package}.sqlite3",
            docs="a file next to the service; nothing to install or start",
        ),
        Database(
            key="postgresql",
            label="PostgreSQL (asyncpg)",
            driver="asyncpg>=0.32.0,<0.33",
            driver_module="asyncpg",
            scheme="postgresql+asyncpg",
            accepted_prefixes=("postgresql", "postgres"),
            default_url="postgresql+asyncpg://postgres:postgres@localhost:5432/{package}",
            compose_url="postgresql+asyncpg://{package}:{package}@db:5432/{package}",
            compose_volume="pgdata",
            compose_partial="includes/compose/postgresql.yaml.jinja",
            ci_partial="includes/ci/postgresql.yaml.jinja",
            ci_database_url="postgresql://postgres:postgres@localhost:5432/test",
            ci_test_server_url="postgresql://postgres:postgres@localhost:5432/postgres",
            harness_service="postgresql",
            docs="PostgreSQL 14 or later",
        ),
        Database(
            key="mysql",
            label="MySQL 8 / MariaDB 10.11+ (asyncmy)",
            driver="asyncmy>=0.2.18,<0.3",
            driver_module="asyncmy",
            scheme="mysql+asyncmy",
            accepted_prefixes=("mysql", "mariadb"),
            default_url="mysql+asyncmy://root@localhost:3306/{package}",
            compose_url="mysql+asyncmy://{package}:{package}@db:3306/{package}",
            compose_volume="mysqldata",
            compose_partial="includes/compose/mysql.yaml.jinja",
            ci_partial="includes/ci/mysql.yaml.jinja",
            ci_database_url="mysql://root:root@127.0.0.1:3306/test",
            ci_test_server_url="mysql://root:root@127.0.0.1:3306/mysql",
            harness_service="mysql",
            docs="MySQL 8.0 or later, or MariaDB 10.11 or later",
        ),
    )
}

_DATABASE_PLUGIN = Plugin("db.plugin", "database_plugin")
_DATABASE_SETTINGS = SettingsPart("db.settings", "DatabaseSettings")

ORMS: dict[str, Orm] = {
    row.key: row
    for row in (
        Orm(
            key="sqlalchemy",
            label="SQLAlchemy 2 (async, typed Mapped[...] models)",
            dependencies=(ALEMBIC, SQLALCHEMY),
            package="db",
            has_database=True,
            plugins=(_DATABASE_PLUGIN,),
            settings=(_DATABASE_SETTINGS,),
            forbidden_in_services=("sqlalchemy",),
            docs="SQLAlchemy 2 declarative models, async sessions, Alembic migrations",
        ),
        Orm(
            key="sqlmodel",
            label="SQLModel (table models on SQLAlchemy)",
            dependencies=(ALEMBIC, SQLALCHEMY, "sqlmodel>=0.0.50,<0.1"),
            package="db",
            has_database=True,
            plugins=(_DATABASE_PLUGIN,),
            settings=(_DATABASE_SETTINGS,),
            forbidden_in_services=("sqlalchemy", "sqlmodel"),
            docs="SQLModel table models; request and response schemas stay separate pydantic models",
        ),
        Orm(
            key="none",
            label="None (in-memory repositories, no database)",
            dependencies=(),
            package="memory",
            has_database=False,
            plugins=(Plugin("memory.plugin", "memory_plugin"),),
            docs="in-memory repositories behind the same service interfaces; data lives as long as the process",
        ),
    )
}


@dataclass(frozen=True)
class Broker:
    key: str
    label: str
    # The URL the service uses by default, in compose, and in the generated CI.
    default_url: str
    compose_url: str
    ci_url: str
    # The server the generated tests use when TEST_BROKER_URL is unset, and how to start one.
    test_url: str = ""
    start_hint: str = ""
    compose_partial: str = ""
    ci_partial: str = ""
    harness_service: str = ""
    docs: str = ""


@dataclass(frozen=True)
class Table:
    """A table outside the domains (the outbox...): ``<package>.<module>`` defines ``name``."""

    module: str
    name: str


@dataclass(frozen=True)
class TaskQueue:
    key: str
    label: str
    # Requirements by broker key (a queue library names its broker's extra or plugin).
    dependencies: dict[str, tuple[str, ...]]
    # The import names of those requirements, which services and entry layers must not import.
    modules: tuple[str, ...] = ()
    # Infrastructure packages it brings (checked like core/ and db/).
    packages: tuple[str, ...] = ()
    plugins: tuple[Plugin, ...] = ()
    settings: tuple[SettingsPart, ...] = ()
    tables: tuple[Table, ...] = ()
    # How to start the worker (README, compose).
    worker_command: str = ""
    worker_check: str = ""
    # When a job whose worker died runs again, and how to run several workers (the README).
    redelivery: str = ""
    replicas: str = ""
    docs: str = ""

    @property
    def brokers(self) -> tuple[str, ...]:
        return tuple(self.dependencies)


BROKERS: dict[str, Broker] = {
    row.key: row
    for row in (
        Broker(
            key="redis",
            label="Redis",
            default_url="redis://localhost:6379/0",
            compose_url="redis://broker:6379/0",
            ci_url="redis://localhost:6379/0",
            test_url="redis://127.0.0.1:6379/0",
            start_hint="docker run --rm -p 6379:6379 redis:7",
            compose_partial="includes/compose/redis.yaml.jinja",
            ci_partial="includes/ci/redis.yaml.jinja",
            harness_service="redis",
            docs="Redis 6.2 or later (or Valkey)",
        ),
        Broker(
            key="rabbitmq",
            label="RabbitMQ",
            default_url="amqp://guest:guest@localhost:5672/",
            compose_url="amqp://guest:guest@broker:5672/",
            ci_url="amqp://guest:guest@localhost:5672/",
            test_url="amqp://guest:guest@127.0.0.1:5672/",
            start_hint="docker run --rm -p 5672:5672 rabbitmq:4",
            compose_partial="includes/compose/rabbitmq.yaml.jinja",
            ci_partial="includes/ci/rabbitmq.yaml.jinja",
            harness_service="rabbitmq",
            docs="RabbitMQ 3.13 or later",
        ),
    )
}

_QUEUE_SETTINGS = (
    SettingsPart("worker.settings", "QueueSettings"),
    SettingsPart("webhooks.settings", "WebhookSettings"),
)
_QUEUE_TABLES = (Table("outbox.models", "outbox_messages"), Table("webhooks.models", "webhook_deliveries"))
_OUTBOX_PLUGIN = Plugin("outbox.plugin", "outbox_plugin")
HTTPX = "httpx>=0.28.1,<0.29"

TASK_QUEUES: dict[str, TaskQueue] = {
    row.key: row
    for row in (
        TaskQueue(
            key="none",
            label="None (domain events handled in-process after commit)",
            dependencies={},
            docs="domain events are handled in-process after the commit; nothing to run beside the API",
        ),
        TaskQueue(
            key="arq",
            label="arq (asyncio jobs on Redis)",
            dependencies={"redis": ("arq>=0.28.0,<0.29", HTTPX)},
            modules=("arq",),
            packages=("outbox",),
            plugins=(_OUTBOX_PLUGIN,),
            settings=_QUEUE_SETTINGS,
            tables=_QUEUE_TABLES,
            worker_command="python -m {package}.worker",
            worker_check="python -m {package}.worker --check",
            redelivery="once `JOB_TIMEOUT_SECONDS` (60) plus 15 seconds have passed",
            replicas="run as many workers as you like: each scheduled run is taken by one of them",
            docs="arq workers on Redis; events reach them through a transactional outbox",
        ),
        TaskQueue(
            key="celery",
            label="Celery (Redis or RabbitMQ)",
            dependencies={
                "redis": ("celery[redis]>=5.7.0,<5.8", HTTPX),
                "rabbitmq": ("celery>=5.7.0,<5.8", HTTPX),
            },
            modules=("celery", "kombu"),
            packages=("outbox",),
            plugins=(_OUTBOX_PLUGIN,),
            settings=_QUEUE_SETTINGS,
            tables=_QUEUE_TABLES,
            worker_command="python -m {package}.worker",
            worker_check="python -m {package}.worker --check",
            redelivery=(
                "at once on RabbitMQ (the dead worker's connection closes), on Redis"
                " once `JOB_TIMEOUT_SECONDS` (60) plus 10 seconds have passed"
            ),
            replicas=(
                "the schedule (beat) runs inside each worker: start all but one with `--without-beat`,"
                " or every worker with `--without-beat` and one `--beat-only` process"
            ),
            docs="Celery workers (and beat for the schedule); events reach them through a transactional outbox",
        ),
        TaskQueue(
            key="taskiq",
            label="Taskiq (asyncio; Redis or RabbitMQ)",
            dependencies={
                "redis": ("taskiq>=0.13.0,<0.14", "taskiq-redis>=1.2.4,<1.3", "redis>=8.0.0,<9", HTTPX),
                "rabbitmq": ("taskiq>=0.13.0,<0.14", "taskiq-aio-pika>=0.6.1,<0.7", HTTPX),
            },
            modules=("taskiq",),
            packages=("outbox",),
            plugins=(_OUTBOX_PLUGIN,),
            settings=_QUEUE_SETTINGS,
            tables=_QUEUE_TABLES,
            worker_command="python -m {package}.worker",
            worker_check="python -m {package}.worker --check",
            redelivery=(
                "at once on RabbitMQ (the dead worker's connection closes), on Redis"
                " once `JOB_TIMEOUT_SECONDS` (60) plus 10 seconds have passed"
            ),
            replicas=(
                "the scheduler runs inside each worker: start all but one with `--without-schedule`,"
                " or every worker with `--without-schedule` and one `--schedule-only` process"
            ),
            docs="Taskiq workers and scheduler; events reach them through a transactional outbox",
        ),
    )
}


@dataclass(frozen=True)
class Auth:
    key: str
    label: str
    dependencies: tuple[str, ...] = ()
    plugins: tuple[Plugin, ...] = ()
    settings: tuple[SettingsPart, ...] = ()
    tables: tuple[Table, ...] = ()
    # The revisions of its own migrations (under template/migrations/versions/), in order.
    migrations: tuple[str, ...] = ()
    # Partials under includes/: the README section (get credentials, authorise in /docs, call
    # the API) and the .env.example lines.
    readme_partial: str = ""
    env_partial: str = ""
    docs: str = ""


PYJWT = "pyjwt>=2.10.1,<3"
_AUTH_PLUGIN = Plugin("auth.plugin", "auth_plugin")

AUTHS: dict[str, Auth] = {
    row.key: row
    for row in (
        Auth(
            key="none",
            label="None (an open API)",
            docs="every route is open: for a service behind a gateway that authenticates, or a private network",
        ),
        Auth(
            key="jwt",
            label="JWT users (register, password login, access and refresh tokens)",
            dependencies=(PYJWT, "pwdlib[argon2]>=0.2.1,<0.3"),
            plugins=(_AUTH_PLUGIN, Plugin("users.plugin", "users_plugin")),
            settings=(SettingsPart("auth.settings", "TokenSettings"),),
            tables=(Table("users.models", "User"), Table("auth.models", "RefreshToken")),
            migrations=("0004",),
            readme_partial="includes/readme/auth-jwt.md.jinja",
            env_partial="includes/env/auth-jwt.env.jinja",
            docs="a users domain: register, OAuth2 password login, short access tokens, rotating refresh tokens",
        ),
        Auth(
            key="api_key",
            label="API keys (made by a command, sent as X-API-Key)",
            plugins=(_AUTH_PLUGIN,),
            settings=(SettingsPart("auth.settings", "ApiKeySettings"),),
            tables=(Table("auth.models", "ApiKey"),),
            migrations=("0004",),
            readme_partial="includes/readme/auth-api_key.md.jinja",
            env_partial="includes/env/auth-api_key.env.jinja",
            docs="keys made by a command, shown once, stored hashed, with scopes, expiry and revocation",
        ),
        Auth(
            key="oidc",
            label="OIDC (bearer tokens of an external identity provider)",
            dependencies=("pyjwt[crypto]>=2.10.1,<3", HTTPX),
            plugins=(_AUTH_PLUGIN,),
            settings=(SettingsPart("auth.settings", "OidcSettings"),),
            readme_partial="includes/readme/auth-oidc.md.jinja",
            env_partial="includes/env/auth-oidc.env.jinja",
            docs="bearer tokens of your identity provider (Keycloak, Auth0, Entra ID...), checked against its keys",
        ),
    )
}


@dataclass(frozen=True)
class ApiStyle:
    """An entry layer over the same services: REST routes, a GraphQL schema, gRPC servicers."""

    key: str
    label: str
    dependencies: tuple[str, ...] = ()
    # Development-only requirements (code generators...), in the dev dependency group.
    dev_dependencies: tuple[str, ...] = ()
    # Installed after the domains (a style collects what the domains give it).
    plugins: tuple[Plugin, ...] = ()
    settings: tuple[SettingsPart, ...] = ()
    # The per-domain module of this entry layer (import-linter: an entry layer).
    entry_module: str = ""
    # Libraries only this style's modules may import (services and repositories must not).
    modules: tuple[str, ...] = ()
    # Partials under includes/: the README section showing how to call it, its .env.example lines.
    readme_partial: str = ""
    env_partial: str = ""
    # The README's layout block: (path, what it is) in the package and in each domain.
    package_layout: tuple[tuple[str, str], ...] = ()
    domain_layout: tuple[tuple[str, str], ...] = ()
    docs: str = ""


API_STYLES: dict[str, ApiStyle] = {
    row.key: row
    for row in (
        ApiStyle(
            key="rest",
            label="REST (JSON over HTTP, OpenAPI at /docs)",
            entry_module="router",
            readme_partial="includes/readme/api-rest.md.jinja",
            domain_layout=(("router.py", "HTTP only: parse, call the service, shape the response"),),
            docs="JSON routes under /api/v1, problem details for errors, OpenAPI at /docs",
        ),
        ApiStyle(
            key="graphql",
            label="GraphQL (Strawberry, at /graphql)",
            dependencies=("graphql-core>=3.3.2,<3.4", "strawberry-graphql[fastapi]>=0.341.3,<0.342"),
            plugins=(Plugin("graphql.plugin", "graphql_plugin"),),
            settings=(SettingsPart("graphql.settings", "GraphQLSettings"),),
            entry_module="resolvers",
            modules=("strawberry",),
            readme_partial="includes/readme/api-graphql.md.jinja",
            env_partial="includes/env/api-graphql.env.jinja",
            package_layout=(("graphql/", "the schema at /graphql: context, permissions, error codes, limits"),),
            domain_layout=(("resolvers.py", "GraphQL only: the types, queries and mutations; call the service"),),
            docs="a Strawberry schema at /graphql over the same services; GraphiQL off in production",
        ),
        ApiStyle(
            key="grpc",
            label="gRPC (grpcio, a .proto per resource)",
            dependencies=(
                "grpcio>=1.85.1,<2",
                "grpcio-health-checking>=1.85.1,<2",
                "grpcio-reflection>=1.85.1,<2",
                "protobuf>=7.35.1,<8",
            ),
            dev_dependencies=("grpcio-tools>=1.85.4,<2", "types-grpcio>=1.85.0,<2", "types-protobuf>=7.35.1,<8"),
            plugins=(Plugin("grpc.plugin", "grpc_plugin"),),
            settings=(SettingsPart("grpc.settings", "GrpcSettings"),),
            entry_module="servicer",
            modules=("grpc", "grpc_health", "grpc_reflection"),
            readme_partial="includes/readme/api-grpc.md.jinja",
            env_partial="includes/env/api-grpc.env.jinja",
            package_layout=(("grpc/", "the gRPC server (lifespan), protos/ and their stubs, codegen, status codes"),),
            domain_layout=(("servicer.py", "gRPC only: parse the message, call the service, build the reply"),),
            docs="grpcio aio servers in the app's process, a .proto per resource, health and reflection",
        ),
    )
}
DEFAULT_API_STYLES = ("rest",)


def chosen_api_styles(answers: Mapping[str, Any]) -> list[ApiStyle]:
    """The rows of the answered styles, in the table's order (the default when unanswered)."""
    answered = answers.get("api_styles", DEFAULT_API_STYLES)
    if isinstance(answered, str):
        answered = [answered]
    keys = {str(key) for key in (answered or ())}
    return [row for key, row in API_STYLES.items() if key in keys]


# What every service installs, whatever the answers: the HTTP edge and the event bus first
# (plugins installed later subscribe to it), the domains, then the probes.
BASE_PLUGINS_FIRST = (Plugin("web.plugin", "web_plugin"), Plugin("events.plugin", "events_plugin"))
BASE_PLUGINS_LAST = (Plugin("health.plugin", "health_plugin"),)

# The service's shared infrastructure packages, beside the ORM's (db/ or memory/).
BASE_PACKAGES = ("core", "events", "web")

BASE_DEPENDENCIES = (
    "fastapi>=0.165.0,<0.166",
    "pydantic>=2.14.3,<3",
    "pydantic-settings>=2.16.3,<3",
    "starlette>=1.10.0,<2",
    "structlog>=26.1.0,<27",
    "uvicorn[standard]>=0.54.0,<0.55",
)


def _requirement_name(requirement: str) -> str:
    for separator in "[<>=!~ ;":
        requirement = requirement.split(separator, 1)[0]
    return requirement.lower()


def _unique_requirements(requirements: list[str]) -> list[str]:
    """One requirement per distribution: the first listed (httpx is wanted by a queue and by oidc)."""
    seen: set[str] = set()
    unique = []
    for requirement in requirements:
        name = _requirement_name(requirement)
        if name not in seen:
            seen.add(name)
            unique.append(requirement)
    return unique


def derive(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The values templates need for ``answers`` (only those whose inputs are answered)."""
    package = answers.get("package_name")
    plural = answers.get("resource_plural")
    orm = ORMS.get(str(answers.get("orm", "sqlalchemy")))
    if orm is None:
        return {}
    database = DATABASES.get(str(answers.get("database", ""))) if orm.has_database else None
    queue = TASK_QUEUES.get(str(answers.get("task_queue", "none")), TASK_QUEUES["none"])
    broker = BROKERS.get(queue_broker(answers)) if queue.key != "none" else None
    auth = AUTHS.get(str(answers.get("auth", "none")), AUTHS["none"])
    styles = chosen_api_styles(answers)
    values: dict[str, Any] = {
        "api_style_rows": styles,
        **{f"has_{key}": any(row.key == key for row in styles) for key in API_STYLES},
        # The style the end-to-end tests drive (the table's first chosen: REST, else GraphQL, else gRPC).
        "primary_api_style": styles[0].key if styles else "",
        "orm_row": orm,
        "has_database": orm.has_database,
        "database_row": database,
        "task_queue_row": queue,
        "broker_row": broker,
        "has_task_queue": broker is not None,
        "auth_row": auth,
        "has_auth": auth.key != "none",
        # The revision the auth choice's migrations revise (the last of the others), and the
        # one the records' created_by column is added by (after them).
        "auth_migration_parent": "0003" if broker is not None else "0001",
    }
    values["owner_migration_parent"] = auth.migrations[-1] if auth.migrations else values["auth_migration_parent"]
    queue_requirements = queue.dependencies.get(broker.key, ()) if broker else ()
    driver = [database.driver] if database else []
    style_requirements = [requirement for row in styles for requirement in row.dependencies]
    requirements = [
        *BASE_DEPENDENCIES,
        *orm.dependencies,
        *driver,
        *queue_requirements,
        *auth.dependencies,
        *style_requirements,
    ]
    values["dependencies"] = sorted(_unique_requirements(requirements), key=_requirement_name)
    # The test suite falls back to SQLite files when no TEST_DATABASE_URL names a server.
    values["test_dependencies"] = [AIOSQLITE] if database and database.key != "sqlite" else []
    values["style_dev_dependencies"] = sorted(
        {requirement for row in styles for requirement in row.dev_dependencies}, key=_requirement_name
    )
    values["unimported_dependencies"] = sorted(
        {database.driver_module, *(["aiosqlite"] if values["test_dependencies"] else [])} if database else set()
    )
    if database:
        # URLs as people write them get the async driver; the test suite's SQLite fallback too.
        sqlite = DATABASES["sqlite"]
        rewrites = [(prefix, database.scheme) for prefix in database.accepted_prefixes]
        rewrites += [(prefix, sqlite.scheme) for prefix in sqlite.accepted_prefixes if database is not sqlite]
        values["url_rewrites"] = [(f"{prefix}://", f"{scheme}://") for prefix, scheme in rewrites]
        # db/<backend>.py modules: the database's own and SQLite's (db/backends.py lists them).
        values["database_backends"] = sorted({database.key, sqlite.key})
    if isinstance(package, str) and package and database:
        values["default_database_url"] = database.default_url.format(package=package)
        values["compose_database_url"] = database.compose_url.format(package=package)
    if isinstance(plural, str) and plural:
        domain = Plugin(f"{plural}.plugin", f"{plural}_plugin")
        style_plugins = tuple(plugin for row in styles for plugin in row.plugins)
        plugins = (
            *BASE_PLUGINS_FIRST,
            *orm.plugins,
            *queue.plugins,
            *auth.plugins,
            domain,
            *style_plugins,
            *BASE_PLUGINS_LAST,
        )
        values["plugins"] = list(plugins)
        # The domains' jobs (entry layers, like routers): each tasks.py's registry.
        resource = answers.get("resource")
        values["job_registries"] = [Plugin(f"{plural}.tasks", f"{resource}_jobs")] if broker else []
    style_settings = [part for row in styles for part in row.settings]
    values["settings_parts"] = [*orm.settings, *queue.settings, *auth.settings, *style_settings]
    # Entry-layer modules of the domains (router also for the auth and users routes).
    values["entry_modules"] = sorted({"router", *(row.entry_module for row in styles if row.entry_module)})
    values["style_modules"] = sorted({module for row in styles for module in row.modules})
    values["tables"] = [*queue.tables, *auth.tables]
    values["infrastructure_packages"] = sorted({*BASE_PACKAGES, orm.package, *queue.packages})
    values["forbidden_in_entry_layers"] = sorted({*orm.forbidden_in_services, *queue.modules})
    rows = [row for row in (database, broker) if row is not None]
    values["compose_partials"] = [row.compose_partial for row in rows if row.compose_partial]
    values["ci_partials"] = [row.ci_partial for row in rows if row.ci_partial]
    if isinstance(package, str) and package and broker:
        values["default_broker_url"] = broker.default_url
        values["compose_broker_url"] = broker.compose_url
        values["worker_command"] = queue.worker_command.format(package=package)
        values["worker_check"] = queue.worker_check.format(package=package)
    return values


def queue_broker(answers: Mapping[str, Any]) -> str:
    """The broker a task queue uses: the answer, or the only one the queue supports (arq: Redis)."""
    queue = TASK_QUEUES.get(str(answers.get("task_queue", "none")))
    if queue is None or not queue.brokers:
        return ""
    answered = str(answers.get("broker", ""))
    return answered if answered in queue.brokers else queue.brokers[0]


def services(answers: Mapping[str, Any]) -> list[str]:
    """The real services (tests/services.py names) a combination's tests need."""
    orm = ORMS.get(str(answers.get("orm", "sqlalchemy")))
    needed: list[str] = []
    if orm is not None and orm.has_database:
        database = DATABASES.get(str(answers.get("database", "")))
        if database is not None and database.harness_service:
            needed.append(database.harness_service)
    queue = TASK_QUEUES.get(str(answers.get("task_queue", "none")))
    broker = BROKERS.get(queue_broker(answers)) if queue is not None and queue.key != "none" else None
    if broker is not None and broker.harness_service:
        needed.append(broker.harness_service)
    return needed
