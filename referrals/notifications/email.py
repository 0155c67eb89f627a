"""Email over SMTP, rendered from per-language Jinja2 templates (English and Spanish)."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from referrals.notifications.config import SmtpConfig

LANGUAGES = ("en", "es")

_env = Environment(
    loader=PackageLoader("referrals.notifications", "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 - plain-text mail and SMS, never rendered as HTML
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def language_of(preferred: str | None) -> str:
    """Map a preferred language tag to one we have templates for (English by default)."""
    base = (preferred or "en").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else "en"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered message: subject (empty for SMS) and text."""

    subject: str
    body: str


def render(channel: str, template: str, language: str, context: dict[str, Any]) -> Rendered:
    """Render `templates/<channel>/<template>.<lang>.txt`; its first line may be `Subject: ...`."""
    lang = language_of(language)
    try:
        tpl = _env.get_template(f"{channel}/{template}.{lang}.txt")
    except TemplateNotFound:
        tpl = _env.get_template(f"{channel}/{template}.en.txt")
    text = tpl.render(**context)
    subject = ""
    if text.startswith("Subject:"):
        first, _, text = text.partition("\n")
        subject = first.removeprefix("Subject:").strip()
    return Rendered(subject=subject, body=text.lstrip("\n"))


class SmtpMailer:
    """Sends mail through an SMTP server (smtplib in a thread; one connection per message)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(
        self, *, to: str, subject: str, body: str, language: str, headers: dict[str, str]
    ) -> str:
        """Send one message; returns its Message-ID."""
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = to
        message["Subject"] = subject
        message["Content-Language"] = language
        message["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2] or None)
        for name, value in headers.items():
            message[name] = value
        message.set_content(body)
        await asyncio.to_thread(self._send_sync, message)
        return str(message["Message-ID"])

    def _send_sync(self, message: EmailMessage) -> None:
        cfg = self.config
        with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds) as smtp:
            if cfg.starttls:
                smtp.starttls()
            if cfg.username:
                smtp.login(cfg.username, cfg.password)
            smtp.send_message(message)


class NoMailer:
    """Used when no SMTP host is configured: email deliveries are skipped, not failed."""

    async def send(
        self, *, to: str, subject: str, body: str, language: str, headers: dict[str, str]
    ) -> str:
        """Refuse: there is nowhere to send mail."""
        raise MailDisabledError("No SMTP host is configured (HUB_SMTP_HOST).")


class MailDisabledError(Exception):
    """Email is not configured, so the delivery is skipped."""


Mailer = SmtpMailer | NoMailer


def build_mailer(config: SmtpConfig | None) -> Mailer:
    """Return the SMTP mailer, or the skipping one when no host is configured."""
    return SmtpMailer(config) if config is not None else NoMailer()
