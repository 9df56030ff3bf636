"""Credit sensor of the SMS-Get integration."""

from __future__ import annotations

from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import SmsGetConfigEntry, SmsGetCoordinator
from .entity import SmsGetEntity

# Read-only: the coordinator does the polling.
PARALLEL_UPDATES = 0

CREDIT = SensorEntityDescription(
    key="credit",
    translation_key="credit",
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=0,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the credit sensor."""
    async_add_entities([SmsGetCreditSensor(entry)])


class SmsGetCreditSensor(
    CoordinatorEntity[SmsGetCoordinator], SmsGetEntity, SensorEntity
):
    """Remaining points of the account."""

    def __init__(self, entry: SmsGetConfigEntry) -> None:
        """Follow the entry's coordinator."""
        CoordinatorEntity.__init__(self, entry.runtime_data.coordinator)
        SmsGetEntity.__init__(self, entry, CREDIT)

    @property
    def native_value(self) -> int:
        """Remaining points."""
        return self.coordinator.data
