"""The recipients of an account: config subentries of type recipient."""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentry

from .const import SUBENTRY_RECIPIENT
from .coordinator import SmsGetConfigEntry


def recipient_for(entry: SmsGetConfigEntry, phone: str) -> ConfigSubentry | None:
    """Return the recipient whose phone (in the provider's format) is this one."""
    # A recipient's unique ID is its phone in the provider's format.
    for subentry in entry.subentries.values():
        if subentry.subentry_type == SUBENTRY_RECIPIENT and subentry.unique_id == phone:
            return subentry
    return None
