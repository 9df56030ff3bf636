"""A stand-in for the SMS-Get provider: its HTTP API, callbacks and failure modes.

server.py holds the Simulator and its state; api.py answers the provider's API,
callbacks.py posts what the provider posts, settings_page.py is its settings page,
control.py the sandbox's JSON API under /sim/, models.py and protocol.py the data and
the document's rules.
"""

from .models import Account, AutoAnswer, Fault, RecordedRequest, SentMessage
from .protocol import TAIPEI
from .server import Simulator

__all__ = [
    "TAIPEI",
    "Account",
    "AutoAnswer",
    "Fault",
    "RecordedRequest",
    "SentMessage",
    "Simulator",
]
