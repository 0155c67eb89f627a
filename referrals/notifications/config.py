"""Notification settings as plain values, taken from Settings once by the assembly code."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.core.settings import Settings


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to hand email over."""

    host: str
    port: int = 25
    sender: str = "hub@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class SlaConfig:
    """When a requested referral earns a reminder, an escalation, and expiry."""

    remind_after_business_hours: int = 16
    escalate_after_business_hours: int = 40
    expire_after_days: int = 30


@dataclass(frozen=True, slots=True)
class NotificationConfig:
    """Everything the dispatcher, sweeper and SLA engine need to know."""

    public_base_url: str = "http://127.0.0.1:8000"
    smtp: SmtpConfig | None = None
    sms_provider: str = "log"
    outbox_sweep_seconds: float = 30.0
    outbox_grace_seconds: float = 60.0
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_backoff_base_seconds: float = 5.0
    webhook_backoff_max_seconds: float = 3600.0
    webhook_disable_after_failures: int = 20
    # Hosts webhooks may reach although private (tests' loopback receivers); empty in production.
    webhook_allow_hosts: tuple[str, ...] = ()
    delivery_lease_seconds: float = 120.0
    client_link_ttl_days: int = 60
    sla: SlaConfig = field(default_factory=SlaConfig)

    @classmethod
    def from_settings(cls, settings: Settings) -> NotificationConfig:
        """Copy the notification knobs out of the hub's settings."""
        smtp = None
        if settings.smtp_host:
            smtp = SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_sender,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value(),
                starttls=settings.smtp_starttls,
            )
        return cls(
            public_base_url=settings.public_base_url.rstrip("/"),
            smtp=smtp,
            sms_provider=settings.sms_provider,
            outbox_sweep_seconds=settings.outbox_sweep_seconds,
            outbox_grace_seconds=settings.outbox_grace_seconds,
            webhook_timeout_seconds=settings.webhook_timeout_seconds,
            webhook_max_attempts=settings.webhook_max_attempts,
            webhook_backoff_base_seconds=settings.webhook_backoff_base_seconds,
            webhook_backoff_max_seconds=settings.webhook_backoff_max_seconds,
            webhook_disable_after_failures=settings.webhook_disable_after_failures,
            webhook_allow_hosts=tuple(settings.webhook_allow_hosts),
            delivery_lease_seconds=settings.delivery_lease_seconds,
            client_link_ttl_days=settings.client_link_ttl_days,
            sla=SlaConfig(
                remind_after_business_hours=settings.sla_remind_after_business_hours,
                escalate_after_business_hours=settings.sla_escalate_after_business_hours,
                expire_after_days=settings.sla_expire_after_days,
            ),
        )
