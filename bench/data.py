"""Inputs of the benchmarks: callbacks as SMS-Get sends them, numbers as users type them."""

from __future__ import annotations

from dataclasses import dataclass, field
import random
from urllib.parse import quote

TIME = "2026-01-01 21:08:07"
STATUSES = ("DELIVRD", "DELIVRD", "DELIVRD", "UNDELIV", "EXPIRED")
# A Chinese reply with its full-width comma, as phones type it.
REPLIES = (
    "03 yes",
    "03 no",
    "03 \u6536\u5230\uff0c\u8b1d\u8b1d",
    "03 OK, see you at 7",
    "hello",
)
# Digits and plus as CJK input methods type them (U+FF10..U+FF19, U+FF0B).
_FULL_WIDTH = str.maketrans(
    "0123456789+", "".join(map(chr, range(0xFF10, 0xFF1A))) + "\uff0b"
)


def report_line(phone: str, recipient_id: str, status: str = "DELIVRD") -> str:
    """One delivery-report line."""
    return f"{phone}|{recipient_id}|{TIME}|{status}"


def reply_line(phone: str, recipient_id: str, text: str) -> str:
    """One reply line, its text URL-encoded inside the line."""
    return f"{phone}|{recipient_id}|{TIME}|{quote(text, safe='')}"


def report_callback(sms_id: str, count: int, start: int = 0) -> dict[str, str]:
    """A delivery-report callback of count distinct lines."""
    lines = [
        report_line(f"09{(start + n) % 10**8:08d}", f"r{sms_id}x{n}")
        for n in range(count)
    ]
    return {"sms_id": sms_id, "content": ",".join(lines)}


@dataclass
class Callback:
    """One callback of the load, and the events it must fire."""

    method: str
    # Where the parameters travel: "query" (as SMS-Get does) or "form".
    place: str
    params: dict[str, str]
    valid: bool
    # Identities of the lines that must fire, each exactly once over the run.
    lines: list[tuple[str, ...]] = field(default_factory=list)


def load_callbacks(count: int, seed: int = 8, prefix: str = "") -> list[Callback]:
    """count callbacks: 10% malformed, delivery reports and replies, 2% repeated.

    A repeated callback is one SMS-Get sends again (a retry): it must fire nothing new.
    Every seventh valid callback carries one malformed line among its good ones.
    The prefix keeps the lines of one call apart from those of another.
    """
    rng = random.Random(seed)
    callbacks: list[Callback] = []
    for index in range(count):
        roll = rng.random()
        method, place = rng.choice(
            [("POST", "query"), ("POST", "query"), ("POST", "form"), ("GET", "query")]
        )
        if roll < 0.10:
            params = rng.choice(
                [
                    {},
                    {"content": "garbage without fields"},
                    {"sms_id": f"bad{index}", "content": "0912|x|not a time|DELIVRD"},
                    {"content": f"0912345678|b{index}|2026-13-45 99:99:99|03%20yes"},
                    {"sms_id": "", "content": ""},
                ]
            )
            callbacks.append(Callback(method, place, params, valid=False))
            continue
        if roll < 0.12 and callbacks:
            earlier = next(
                (c for c in reversed(callbacks[-20:]) if c.valid and c.lines), None
            )
            if earlier is not None:
                callbacks.append(
                    Callback(method, place, dict(earlier.params), valid=True)
                )
                continue
        lines: list[str] = []
        identities: list[tuple[str, ...]] = []
        if rng.random() < 0.5:
            sms_id = f"{prefix}m{index:06d}"
            for n in range(rng.randint(1, 5)):
                phone, rid = f"09{rng.randrange(10**8):08d}", f"{sms_id}r{n}"
                status = rng.choice(STATUSES)
                lines.append(report_line(phone, rid, status))
                identities.append(("d", sms_id, phone, rid, status))
            params = {"sms_id": sms_id}
        else:
            for n in range(rng.randint(1, 3)):
                phone = f"09{rng.randrange(10**8):08d}"
                rid = f"{prefix}q{index:06d}r{n}"
                text = rng.choice(REPLIES)
                lines.append(reply_line(phone, rid, text))
                identities.append(("r", phone, rid, text))
            params = {}
        if index % 7 == 0:
            lines.insert(rng.randrange(len(lines) + 1), "0912345678|x|garbage")
        params["content"] = ",".join(lines)
        callbacks.append(Callback(method, place, params, valid=True, lines=identities))
    return callbacks


def mixed_numbers(count: int, seed: int) -> list[str]:
    """count distinct numbers of several countries, typed in many ways."""
    rng = random.Random(seed)
    numbers: list[str] = []
    # Distinct serials below 10**7: no two numbers are the same once normalised.
    for serial in rng.sample(range(10**7), count):
        digits = f"{serial:08d}"
        numbers.append(
            [
                f"09{digits}",  # Taiwan, the provider's own format
                f"09{digits[:2]}-{digits[2:5]}-{digits[5:]}",
                f"+886 9{digits[:2]} {digits[2:5]} {digits[5:]}",
                f"+8869{digits}",
                f"13{digits}0",  # China, provider format
                f"+86 13{digits[:1]} {digits[1:5]} {digits[5:]}0",
                f"5{digits[1:]}",  # Hong Kong, provider format
                f"+852 5{digits[1:4]} {digits[4:]}",
                f"8190{digits}",  # Japan, provider format
                f"+81 90-{digits[:4]}-{digits[4:]}",
                f"+1 (212) {digits[1:4]}-{digits[4:]}",  # US
                f"09{digits}".translate(_FULL_WIDTH),  # full-width digits
            ][rng.randrange(12)]
        )
    return numbers


def provider_numbers(count: int, seed: int) -> list[str]:
    """count distinct Taiwan numbers already in the provider's format."""
    rng = random.Random(seed)
    return [f"09{n:08d}" for n in rng.sample(range(10**8), count)]


def e164_numbers(count: int, seed: int) -> list[str]:
    """count distinct Taiwan numbers in E.164 with spaces."""
    rng = random.Random(seed)
    return [
        f"+886 9{n // 10**6:02d} {n // 1000 % 1000:03d} {n % 1000:03d}"
        for n in rng.sample(range(10**8), count)
    ]
