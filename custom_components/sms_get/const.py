"""Constants of the SMS-Get integration."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
import logging
from typing import Final

DOMAIN: Final = "sms_get"
LOGGER = logging.getLogger(__package__)

CONF_ADVANCED: Final = "advanced"
CONF_API_URL: Final = "api_url"
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
CONF_TWO_WAY_CODE: Final = "two_way_code"
CONF_LOW_CREDIT_THRESHOLD: Final = "low_credit_threshold"
CONF_PHONE: Final = "phone"
CONF_ASSIST: Final = "assist"
CONF_CONVERSATION_AGENT: Final = "conversation_agent"
CONF_ASSIST_ANSWER_SEGMENTS: Final = "assist_answer_segments"
CONF_DAILY_POINT_LIMIT: Final = "daily_point_limit"
CONF_MAX_POINTS_PER_SEND: Final = "max_points_per_send"

DEFAULT_LOW_CREDIT_THRESHOLD: Final = 50
# Home Assistant's own conversation agent.
DEFAULT_CONVERSATION_AGENT: Final = "conversation.home_assistant"
DEFAULT_ASSIST_ANSWER_SEGMENTS: Final = 2
MAX_ASSIST_ANSWER_SEGMENTS: Final = 5
CREDIT_INTERVAL: Final = timedelta(minutes=30)

SUBENTRY_RECIPIENT: Final = "recipient"

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_MESSAGE: Final = "message"
ATTR_RECIPIENTS: Final = "recipients"
ATTR_SCHEDULE: Final = "schedule"
ATTR_TWO_WAY: Final = "two_way"
ATTR_RECIPIENT: Final = "recipient"
ATTR_ANSWERS: Final = "answers"
ATTR_TIMEOUT: Final = "timeout"

DEFAULT_ASK_TIMEOUT: Final = timedelta(minutes=5)
MIN_ASK_TIMEOUT: Final = timedelta(seconds=1)
MAX_ASK_TIMEOUT: Final = timedelta(hours=24)

EVENT_MESSAGE_SENT: Final = "sms_get_message_sent"
EVENT_DELIVERY_REPORT: Final = "sms_get_delivery_report"
EVENT_REPLY_RECEIVED: Final = "sms_get_reply_received"
EVENT_ASSIST: Final = "sms_get_assist"

ISSUE_LOW_CREDIT: Final = "low_credit"
ISSUE_IP_NOT_ALLOWED: Final = "ip_not_allowed"
ISSUE_DAILY_LIMIT_REACHED: Final = "daily_limit_reached"
ISSUE_ASSIST_AGENT_MISSING: Final = "assist_agent_missing"
# The repair issues an account raises of its own, removed with it.
ENTRY_ISSUES: Final = (
    ISSUE_LOW_CREDIT,
    ISSUE_IP_NOT_ALLOWED,
    ISSUE_DAILY_LIMIT_REACHED,
    ISSUE_ASSIST_AGENT_MISSING,
)

TOP_UP_URL: Final = "https://sms-get.com"
MAX_CALLBACK_BYTES: Final = 1024 * 1024
WARNING_INTERVAL: Final = 60.0


# Cached: the webhook sends on these for every callback.
@lru_cache(maxsize=64)
def signal_callback(entry_id: str, event_type: str) -> str:
    """Dispatcher signal carrying one kind of callback of one entry to its event entity."""
    return f"{DOMAIN}_{entry_id}_{event_type}"


def entry_issue_id(issue: str, entry_id: str) -> str:
    """Return the ID of one account's repair issue of that kind."""
    return f"{issue}_{entry_id}"


@lru_cache(maxsize=256)
def signal_recipient_reply(entry_id: str, subentry_id: str) -> str:
    """Dispatcher signal carrying the replies from one recipient to their entity."""
    return f"{DOMAIN}_{entry_id}_reply_from_{subentry_id}"
