"""Settings read from `HUB_*` environment variables, built once by the app or CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_data_dir() -> Path:
    """Return the default directory for the SQLite database and embedded index."""
    return Path.cwd() / "data"


class Settings(BaseSettings):
    """Every knob of the hub; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    debug: bool = False
    # production refuses to start without a configured HUB_SECRET_KEY (hub.core.secret_key);
    # elsewhere an empty key is generated once and kept in <data_dir>/secret_key.
    env: Literal["development", "production"] = "development"
    secret_key: SecretStr = SecretStr("")
    public_base_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"

    # Identity
    token_ttl_hours: int = 24 * 30
    login_token_ttl_hours: int = 12

    # The web console: a signed-in session ends after this long, or after this long unused.
    console_session_hours: int = 12
    console_idle_minutes: int = 30
    # Map tiles of the console's maps ({z}/{x}/{y}); empty draws markers on a plain background.
    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

    # Request limits: bodies over max_body_bytes get 413; import uploads may be larger.
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 50_000_000
    upload_path_prefixes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["/admin/imports"]
    )
    # Login throttling: failures per account and per client address within the window.
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_failure_window_seconds: int = 900

    # GraphQL limits
    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 2000
    page_size_max: int = 100

    # The HSDS facade's CORS origins: `*` (the Open Referral UK rules), a comma list, or empty.
    hsds_cors_origins: str = "*"

    # Search and geocoding
    search_backend: Literal["embedded", "elasticsearch"] = "embedded"
    search_index_path: Path | None = None
    elasticsearch_url: str = ""
    elasticsearch_index: str = "hub-services"
    geocoder: str = "gazetteer"
    geocoder_options: dict[str, str] = Field(default_factory=dict)
    geocoder_min_delay_seconds: float = 1.0
    stale_after_days: int = 365

    # Broker and notifications
    broker_url: str = ""
    redis_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "hub@localhost"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    sms_provider: str = "log"
    outbox_sweep_seconds: float = 30.0
    outbox_grace_seconds: float = 60.0
    broker_namespace: str = "hub"
    worker_threads: int = 4
    # An idle Redis consumer polls at most this often apart: the floor of notification latency.
    worker_idle_poll_ms: int = 50
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_backoff_base_seconds: float = 5.0
    webhook_backoff_max_seconds: float = 3600.0
    webhook_disable_after_failures: int = 20
    # Hosts webhooks may reach although private or loopback (comma-separated; tests only).
    webhook_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    delivery_lease_seconds: float = 120.0

    # Referral SLA (business hours / days)
    sla_remind_after_business_hours: int = 16
    sla_escalate_after_business_hours: int = 40
    sla_expire_after_days: int = 30
    client_link_ttl_days: int = 60

    @field_validator("webhook_allow_hosts", "upload_path_prefixes", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"

    def is_production(self) -> bool:
        """Tell whether the hub runs in production mode (`HUB_ENV=production`)."""
        return self.env == "production"

    def is_sqlite(self) -> bool:
        """Tell whether the primary database is SQLite."""
        return self.resolved_database_url().startswith("sqlite")

    def resolved_search_index_path(self) -> Path:
        """Return the file of the embedded search index (own file unless configured)."""
        if self.search_index_path is not None:
            return self.search_index_path
        return self.data_dir / "search.sqlite3"
