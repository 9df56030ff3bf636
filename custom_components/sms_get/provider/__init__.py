"""SMS-Get's HTTP API, its number, cost and callback rules; free of Home Assistant."""

from .callbacks import (
    DeliveryReport,
    MalformedLine,
    RecentLines,
    Reply,
    parse_delivery_reports,
    parse_replies,
    split_code,
)
from .client import DEFAULT_BASE_URL, MAX_RECIPIENTS, Credit, SendResult, SmsGetClient
from .cost import Estimate, UnsupportedCharactersError, check_text, estimate, segments
from .errors import (
    SmsGetApiError,
    SmsGetAuthenticationError,
    SmsGetConnectionError,
    SmsGetError,
    SmsGetIpNotAllowedError,
    SmsGetOutcomeUnknownError,
    SmsGetResponseError,
)
from .phone import InvalidPhoneNumberError, PhoneNumber, normalize, normalize_many

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_RECIPIENTS",
    "Credit",
    "DeliveryReport",
    "Estimate",
    "InvalidPhoneNumberError",
    "MalformedLine",
    "PhoneNumber",
    "RecentLines",
    "Reply",
    "SendResult",
    "SmsGetApiError",
    "SmsGetAuthenticationError",
    "SmsGetClient",
    "SmsGetConnectionError",
    "SmsGetError",
    "SmsGetIpNotAllowedError",
    "SmsGetOutcomeUnknownError",
    "SmsGetResponseError",
    "UnsupportedCharactersError",
    "check_text",
    "estimate",
    "normalize",
    "normalize_many",
    "parse_delivery_reports",
    "parse_replies",
    "segments",
    "split_code",
]
