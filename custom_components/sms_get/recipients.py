"""The recipients of an account: config subentries of type recipient."""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentry

from .const import SUBENTRY_RECIPIENT
from .coordinator import SmsGetConfigEntry


def recipients_by_phone(entry: SmsGetConfigEntry) -> dict[str, ConfigSubentry]:
    """Return the recipients by phone, in the provider's format."""
    if not entry.subentries:
        return {}
    # A recipient's unique ID is its phone in the provider's format.
    return {
        subentry.unique_id: subentry
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_RECIPIENT and subentry.unique_id
    }
