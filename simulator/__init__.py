"""A stand-in for the SMS-Get provider: its HTTP API, callbacks and failure modes."""

from .app import Simulator
from .models import Account, Fault, RecordedRequest, SentMessage
from .protocol import TAIPEI

__all__ = ["TAIPEI", "Account", "Fault", "RecordedRequest", "SentMessage", "Simulator"]
