"""A client of SMS-Get, the Taiwanese SMS API, and the rules of its document.

Free of Home Assistant, so it can be used and published on its own:

- ``SmsGetClient`` sends messages and queries the credit over SMS-Get's HTTP API,
  through the caller's ``aiohttp`` session, raising ``SmsGetError`` subclasses.
- ``normalize`` turns a typed phone number into SMS-Get's format, ``check_text`` and
  ``estimate`` tell what a message costs before it is sent.
- ``parse_delivery_reports`` and ``parse_replies`` read SMS-Get's callbacks;
  ``RecentLines`` drops the lines SMS-Get posts more than once.
"""

from .callbacks import (
    MAX_LINE_LENGTH,
    MAX_LINES,
    PROVIDER_TZ,
    DeliveryReport,
    MalformedLine,
    RecentLines,
    Reply,
    TooManyLinesError,
    fresh_window,
    is_stale,
    iso,
    parse_delivery_reports,
    parse_form,
    parse_replies,
    split_code,
)
from .client import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    MAX_RECIPIENTS,
    ByteStream,
    Credit,
    SendResult,
    SmsGetClient,
    read_limited,
)
from .cost import (
    Estimate,
    UnsupportedCharactersError,
    check_text,
    estimate,
    shorten,
    without_unsupported,
)
from .errors import (
    SmsGetApiError,
    SmsGetAuthenticationError,
    SmsGetConnectionError,
    SmsGetError,
    SmsGetInsufficientCreditError,
    SmsGetIpNotAllowedError,
    SmsGetMessageTooLongError,
    SmsGetNoRecipientsError,
    SmsGetOutcomeUnknownError,
    SmsGetParameterError,
    SmsGetResponseError,
    SmsGetScheduleParameterError,
    SmsGetSchedulePassedError,
    SmsGetTooManyRecipientsError,
    SmsGetTwoWayNotEnabledError,
)
from .phone import InvalidPhoneNumberError, PhoneNumber, normalize

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "MAX_LINES",
    "MAX_LINE_LENGTH",
    "MAX_RECIPIENTS",
    "PROVIDER_TZ",
    "ByteStream",
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
    "SmsGetInsufficientCreditError",
    "SmsGetIpNotAllowedError",
    "SmsGetMessageTooLongError",
    "SmsGetNoRecipientsError",
    "SmsGetOutcomeUnknownError",
    "SmsGetParameterError",
    "SmsGetResponseError",
    "SmsGetScheduleParameterError",
    "SmsGetSchedulePassedError",
    "SmsGetTooManyRecipientsError",
    "SmsGetTwoWayNotEnabledError",
    "TooManyLinesError",
    "UnsupportedCharactersError",
    "check_text",
    "estimate",
    "fresh_window",
    "is_stale",
    "iso",
    "normalize",
    "parse_delivery_reports",
    "parse_form",
    "parse_replies",
    "read_limited",
    "shorten",
    "split_code",
    "without_unsupported",
]
