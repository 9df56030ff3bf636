"""The blueprints: Home Assistant's blueprint schema, their automations, the README."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from homeassistant.components import persistent_notification
from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.components.automation.config import (
    AUTOMATION_BLUEPRINT_SCHEMA,
    async_validate_config_item,
)
from homeassistant.components.blueprint import Blueprint, BlueprintInputs
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import selector
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from simulator import Simulator

from .conftest import USERNAME

ROOT = Path(__file__).parent.parent
BLUEPRINTS = ROOT / "blueprints" / "automation" / "sms_get"
REPOSITORY = "https://github.com/sms-get-ha/sms_get"
RAW = "https://raw.githubusercontent.com/sms-get-ha/sms_get/main"
CREDIT_SENSOR = f"sensor.sms_get_{USERNAME}_credit"

GATE_ACTIONS = [{"action": "cover.open_cover", "target": {"entity_id": "cover.gate"}}]
SHUT_ACTIONS = [{"action": "lock.lock", "target": {"entity_id": "lock.gate"}}]
NOTIFY_ACTIONS = [
    {"action": "notify.mobile_app_phone", "data": {"message": "{{ credit }} left"}}
]

# Each blueprint with the inputs a user gives: the fewest, and all of them.
INPUTS: dict[str, list[dict[str, Any]]] = {
    "ask_and_act.yaml": [
        {
            "triggers": [
                {"trigger": "state", "entity_id": "binary_sensor.gate_bell", "to": "on"}
            ],
            "question": "Someone is at the gate. Reply 03 1 to open it.",
            "recipient_entity": "notify.grandma",
        },
        {
            "triggers": [{"trigger": "event", "event_type": "gate_bell"}],
            "question": "Open the gate? Reply 03 yes or 03 no.",
            "recipient_phone": "+886 912 345 678",
            "account": "01JSMSGETENTRY0000000000000",
            "answer_1": "yes",
            "answer_1_actions": GATE_ACTIONS,
            "answer_2": "no",
            "answer_2_actions": SHUT_ACTIONS,
            "timeout": {"hours": 0, "minutes": 2, "seconds": 30},
            "no_answer_actions": SHUT_ACTIONS,
        },
    ],
    "low_credit_alert.yaml": [
        {"credit_sensor": CREDIT_SENSOR},
        {
            "credit_sensor": CREDIT_SENSOR,
            "threshold": 500,
            "alert_actions": NOTIFY_ACTIONS,
        },
    ],
    "delivery_failed.yaml": [
        {"phone": "0912345678"},
        {
            "phone": "+886 912 345 679",
            "message": "Not delivered to {{ failed_phone }}",
            "cooldown": {"hours": 1, "minutes": 0, "seconds": 0},
        },
    ],
}
CASES = [
    pytest.param(name, inputs, id=f"{name.removesuffix('.yaml')}-{index}")
    for name, variants in INPUTS.items()
    for index, inputs in enumerate(variants)
]


async def load_blueprint(hass: HomeAssistant, name: str) -> Blueprint:
    """Load a blueprint file as Home Assistant's blueprint integration does."""
    path = BLUEPRINTS / name
    data = await hass.async_add_executor_job(yaml_util.load_yaml, str(path))
    return Blueprint(
        data,
        path=f"sms_get/{name}",
        expected_domain=AUTOMATION_DOMAIN,
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )


def automation_config(
    blueprint: Blueprint, name: str, inputs: dict[str, Any]
) -> dict[str, Any]:
    """Substitute the inputs as Home Assistant does for an automation using it."""
    blueprint_inputs = BlueprintInputs(
        blueprint,
        {
            "id": name,
            "alias": name,
            "use_blueprint": {"path": f"sms_get/{name}", "input": inputs},
        },
    )
    blueprint_inputs.validate()
    return blueprint_inputs.async_substitute()


def test_every_blueprint_is_tested() -> None:
    """Each blueprint file has inputs to test it with."""
    assert sorted(path.name for path in BLUEPRINTS.glob("*.yaml")) == sorted(INPUTS)


@pytest.mark.parametrize(("name", "inputs"), CASES)
async def test_blueprint_makes_a_valid_automation(
    hass: HomeAssistant, name: str, inputs: dict[str, Any]
) -> None:
    """The blueprint passes the schema and its automation passes validation."""
    blueprint = await load_blueprint(hass, name)
    assert blueprint.domain == AUTOMATION_DOMAIN
    assert blueprint.metadata["source_url"] == (
        f"{REPOSITORY}/blob/main/blueprints/automation/sms_get/{name}"
    )
    assert blueprint.metadata["homeassistant"]["min_version"] == "2025.4.0"

    declared = blueprint.inputs
    for key, value in inputs.items():
        selector.selector(declared[key]["selector"])(value)
    for declaration in declared.values():
        if "default" in declaration and declaration["default"] not in ("", []):
            selector.selector(declaration["selector"])(declaration["default"])

    config = automation_config(blueprint, name, inputs)
    validated = await async_validate_config_item(hass, name, config)
    assert validated is not None


async def test_blueprint_without_a_required_input_is_refused(
    hass: HomeAssistant,
) -> None:
    """A user who leaves out the question gets Home Assistant's missing-input error."""
    blueprint = await load_blueprint(hass, "ask_and_act.yaml")
    inputs = dict(INPUTS["ask_and_act.yaml"][0])
    del inputs["question"]
    with pytest.raises(Exception, match="question"):
        automation_config(blueprint, "ask_and_act.yaml", inputs)


@pytest.mark.parametrize("readme", ["README.md", "README.zh-Hant.md"])
def test_readme_has_an_import_badge_for_each_blueprint(readme: str) -> None:
    """Both READMEs offer every blueprint through My Home Assistant."""
    text = (ROOT / readme).read_text(encoding="utf-8")
    for name in INPUTS:
        raw_url = f"{RAW}/blueprints/automation/sms_get/{name}"
        link = (
            "https://my.home-assistant.io/create-link/?redirect=blueprint_import"
            f"&blueprint_url={quote(raw_url, safe='')}"
        )
        assert link in text, f"{readme} lacks the import badge of {name}"


async def setup_automation(
    hass: HomeAssistant, name: str, inputs: dict[str, Any]
) -> None:
    """Set up the automation a user makes from the blueprint."""
    blueprint = await load_blueprint(hass, name)
    config = automation_config(blueprint, name, inputs)
    assert await async_setup_component(
        hass, AUTOMATION_DOMAIN, {AUTOMATION_DOMAIN: [config]}
    )
    await hass.async_block_till_done()


def delivery_report(
    entry_id: str, phone: str, *, delivered: bool = False
) -> dict[str, Any]:
    """The data of an sms_get_delivery_report event."""
    return {
        "config_entry_id": entry_id,
        "message_id": "m1",
        "phone": phone,
        "recipient": None,
        "recipient_message_id": "r1",
        "reported_at": "2026-11-25T10:00:00+08:00",
        "status": "DELIVRD" if delivered else "UNDELIV",
        "delivered": delivered,
    }


AUTOMATION = "automation.delivery_failed_yaml"


async def sent_by_automation(hass: HomeAssistant, report: dict[str, Any]) -> None:
    """Fire a delivery report and wait until the automation's text is accepted."""
    sent = asyncio.Event()

    @callback
    def message_sent(_event: Event) -> None:
        sent.set()

    unsubscribe = hass.bus.async_listen("sms_get_message_sent", message_sent)
    hass.bus.async_fire("sms_get_delivery_report", report)
    async with asyncio.timeout(30):  # a guard against hanging, not a measurement
        await sent.wait()
    unsubscribe()


async def end_of_cooldown(hass: HomeAssistant, minutes: int) -> None:
    """Let time pass until the automation's run, resting in its cooldown, ends.

    async_block_till_done would wait for the run, and the cooldown starts a moment
    after the text is accepted: time is fired until the run is over.
    """
    # Not under asyncio.timeout: firing time would fire its timer too.
    for _ in range(100):
        if not hass.states.get(AUTOMATION).attributes["current"]:  # type: ignore[union-attr]
            break
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=minutes))
        await asyncio.sleep(0)
    assert hass.states.get(AUTOMATION).attributes["current"] == 0  # type: ignore[union-attr]
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_delivery_failed_texts_once_per_cooldown(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A failed delivery is texted; failures during the cooldown are not."""
    entry_id = hass.config_entries.async_entries("sms_get")[0].entry_id
    await setup_automation(
        hass,
        "delivery_failed.yaml",
        {"phone": "+886 912 345 679", "message": "Not delivered to {{ failed_phone }}"},
    )
    hass.bus.async_fire(
        "sms_get_delivery_report",
        delivery_report(entry_id, "0911111111", delivered=True),
    )
    await hass.async_block_till_done()
    assert simulator.messages == []

    await sent_by_automation(hass, delivery_report(entry_id, "0911111111"))
    hass.bus.async_fire(
        "sms_get_delivery_report", delivery_report(entry_id, "0922222222")
    )
    # The default cooldown is 10 minutes.
    await end_of_cooldown(hass, minutes=11)
    assert [(m.phones, m.text) for m in simulator.messages] == [
        (["0912345679"], "Not delivered to 0911111111")
    ]

    await sent_by_automation(hass, delivery_report(entry_id, "0933333333"))
    await end_of_cooldown(hass, minutes=11)
    assert [m.text for m in simulator.messages][1:] == ["Not delivered to 0933333333"]


@pytest.mark.usefixtures("init_integration")
async def test_delivery_failed_never_texts_about_its_own_number(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A failed text to the chosen number does not start a loop of texts."""
    entry_id = hass.config_entries.async_entries("sms_get")[0].entry_id
    await setup_automation(hass, "delivery_failed.yaml", {"phone": "+886 912 345 679"})

    hass.bus.async_fire(
        "sms_get_delivery_report", delivery_report(entry_id, "0912345679")
    )
    await hass.async_block_till_done()

    assert simulator.messages == []


@pytest.mark.usefixtures("init_integration")
async def test_low_credit_alert(hass: HomeAssistant, simulator: Simulator) -> None:
    """The credit falling below the threshold runs the chosen notification."""
    await setup_automation(
        hass,
        "low_credit_alert.yaml",
        {"credit_sensor": CREDIT_SENSOR, "threshold": 999},
    )
    notifications: list[persistent_notification.Notification] = []
    persistent_notification.async_register_callback(
        hass,
        lambda update_type, changed: notifications.extend(
            changed.values()
            if update_type == persistent_notification.UpdateType.ADDED
            else ()
        ),
    )
    assert hass.states.get(CREDIT_SENSOR).state == "1000"  # type: ignore[union-attr]

    await hass.services.async_call(
        "sms_get",
        "send_message",
        {"message": "Hi", "recipients": ["0912345678", "0912345679"]},
        blocking=True,
    )
    await hass.async_block_till_done()

    assert hass.states.get(CREDIT_SENSOR).state == "998"  # type: ignore[union-attr]
    assert [(n["title"], n["message"]) for n in notifications] == [
        (
            "SMS-Get credit is low",
            "998 points left (alert below 999). Top up on https://sms-get.com.",
        )
    ]
