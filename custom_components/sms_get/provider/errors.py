"""Errors raised by the SMS-Get client.

Nothing here may carry the account's password: messages are built from provider codes,
HTTP statuses and our own words only.
"""

from __future__ import annotations


class SmsGetError(Exception):
    """Base class for every SMS-Get error."""


class SmsGetConnectionError(SmsGetError):
    """SMS-Get could not be reached; nothing was sent."""


class SmsGetOutcomeUnknownError(SmsGetError):
    """The request was sent but no answer came back; it may or may not have been applied."""


class SmsGetResponseError(SmsGetError):
    """SMS-Get answered with something that is not its JSON answer."""


class SmsGetApiError(SmsGetError):
    """SMS-Get refused the request with one of its error codes."""

    code: str = ""

    def __init__(self, code: str, message: str = "") -> None:
        """Keep the provider's code and its own description."""
        super().__init__(f"SMS-Get error {code}: {message}" if message else code)
        self.code = code
        self.provider_message = message


class SmsGetParameterError(SmsGetApiError):
    """001: bad parameters."""


class SmsGetScheduleParameterError(SmsGetApiError):
    """002: bad schedule parameters."""


class SmsGetSchedulePassedError(SmsGetApiError):
    """003: the scheduled time has passed."""


class SmsGetMessageTooLongError(SmsGetApiError):
    """004: the message is too long."""


class SmsGetAuthenticationError(SmsGetApiError):
    """005: wrong username or password."""


class SmsGetIpNotAllowedError(SmsGetApiError):
    """006: this IP address may not use the API."""


class SmsGetNoRecipientsError(SmsGetApiError):
    """007: no recipients."""


class SmsGetTooManyRecipientsError(SmsGetApiError):
    """008: more than 250 recipients."""


class SmsGetInsufficientCreditError(SmsGetApiError):
    """009: not enough points."""


class SmsGetTwoWayNotEnabledError(SmsGetApiError):
    """010: two-way messaging is not enabled on the account."""


ERRORS_BY_CODE: dict[str, type[SmsGetApiError]] = {
    "001": SmsGetParameterError,
    "002": SmsGetScheduleParameterError,
    "003": SmsGetSchedulePassedError,
    "004": SmsGetMessageTooLongError,
    "005": SmsGetAuthenticationError,
    "006": SmsGetIpNotAllowedError,
    "007": SmsGetNoRecipientsError,
    "008": SmsGetTooManyRecipientsError,
    "009": SmsGetInsufficientCreditError,
    "010": SmsGetTwoWayNotEnabledError,
}


def error_for_code(code: str, message: str = "") -> SmsGetApiError:
    """Return the typed error for a provider code."""
    return ERRORS_BY_CODE.get(code, SmsGetApiError)(code, message)
