"""Credit and spending sensors of the SMS-Get integration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
from .spending import Spending, async_get_spending

# Read-only: the coordinator does the polling.
PARALLEL_UPDATES = 0

CREDIT = SensorEntityDescription(
    key="credit",
    translation_key="credit",
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=0,
)


@dataclass(frozen=True, kw_only=True)
class SmsGetSpendingSensorEntityDescription(SensorEntityDescription):
    """A count of what the account spent."""

    value_fn: Callable[[Spending], int]


SPENDING_SENSORS: tuple[SmsGetSpendingSensorEntityDescription, ...] = (
    SmsGetSpendingSensorEntityDescription(
        key="points_used",
        translation_key="points_used",
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=0,
        value_fn=lambda spending: spending.points_used,
    ),
    SmsGetSpendingSensorEntityDescription(
        key="points_used_today",
        translation_key="points_used_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=0,
        value_fn=lambda spending: spending.points_used_today,
    ),
    SmsGetSpendingSensorEntityDescription(
        key="messages_sent",
        translation_key="messages_sent",
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=0,
        value_fn=lambda spending: spending.messages_sent,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsGetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the credit and spending sensors."""
    spending = async_get_spending(hass, entry)
    async_add_entities(
        [
            SmsGetCreditSensor(entry),
            *(
                SmsGetSpendingSensor(entry, spending, description)
                for description in SPENDING_SENSORS
            ),
        ]
    )


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


class SmsGetSpendingSensor(SmsGetEntity, SensorEntity):
    """Points and messages the account spent, kept in the Store."""

    entity_description: SmsGetSpendingSensorEntityDescription
    _attr_should_poll = False

    def __init__(
        self,
        entry: SmsGetConfigEntry,
        spending: Spending,
        description: SmsGetSpendingSensorEntityDescription,
    ) -> None:
        """Follow the entry's spending."""
        super().__init__(entry, description)
        self._spending = spending

    async def async_added_to_hass(self) -> None:
        """Write the state whenever a count changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self._spending.async_add_listener(self.async_write_ha_state)
        )

    @property
    def native_value(self) -> int:
        """The count."""
        return self.entity_description.value_fn(self._spending)
