"""Human words for statuses and outcomes in the languages notifications are written in."""

from __future__ import annotations

STATUS_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "draft": "draft",
        "requested": "sent",
        "accepted": "accepted",
        "rejected": "declined",
        "in-progress": "in progress",
        "on-hold": "on hold",
        "completed": "completed",
        "failed": "closed without help",
        "cancelled": "cancelled",
        "entered-in-error": "entered in error",
    },
    "es": {
        "draft": "borrador",
        "requested": "enviada",
        "accepted": "aceptada",
        "rejected": "rechazada",
        "in-progress": "en curso",
        "on-hold": "en espera",
        "completed": "completada",
        "failed": "cerrada sin ayuda",
        "cancelled": "cancelada",
        "entered-in-error": "registrada por error",
    },
}

OUTCOME_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "got_help": "got help",
        "could_not_contact": "could not contact the client",
        "not_eligible": "not eligible",
        "no_capacity": "no capacity",
        "client_declined": "client declined",
        "referred_elsewhere": "referred elsewhere",
        "other": "other",
    },
    "es": {
        "got_help": "recibió ayuda",
        "could_not_contact": "no se pudo contactar al cliente",
        "not_eligible": "no cumple los requisitos",
        "no_capacity": "sin cupo",
        "client_declined": "el cliente no aceptó",
        "referred_elsewhere": "referido a otro lugar",
        "other": "otro",
    },
}


def status_label(status: str | None, language: str) -> str:
    """Translate a status code (falls back to the code itself)."""
    if not status:
        return ""
    return STATUS_LABELS.get(language, STATUS_LABELS["en"]).get(status, status)


def outcome_label(outcome: str | None, language: str) -> str:
    """Translate an outcome code (empty when there is none)."""
    if not outcome:
        return ""
    return OUTCOME_LABELS.get(language, OUTCOME_LABELS["en"]).get(outcome, outcome)
