"""Run the simulator as a local sandbox: python -m simulator --help."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from .models import Account
from .server import Simulator

_TWO_WAY_FLAGS = {"twoway": True, "oneway": False}


def parse_account(spec: str) -> tuple[str, Account]:
    """Parse NAME:PASSWORD:POINTS[:twoway|oneway]; the password may hold colons."""
    parts = spec.split(":")
    two_way = _TWO_WAY_FLAGS.get(parts[-1])
    if two_way is not None:
        parts.pop()
    if len(parts) < 3 or not parts[0] or not parts[-1].isdigit():
        raise argparse.ArgumentTypeError(
            f"{spec!r} is not NAME:PASSWORD:POINTS[:twoway|oneway]"
        )
    name, password, points = parts[0], ":".join(parts[1:-1]), int(parts[-1])
    return name, Account(
        password=password, points=points, two_way=True if two_way is None else two_way
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the command line of python -m simulator."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="A local stand-in for the SMS-Get provider's HTTP API.",
    )
    # Loopback by default: the sandbox holds passwords and must not face a network.
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument(
        "--account",
        action="append",
        type=parse_account,
        metavar="NAME:PASSWORD:POINTS[:twoway|oneway]",
        help="an account (repeatable); default demo:demo-pass:1000, two-way enabled",
    )
    parser.add_argument(
        "--callback-delay",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="wait before posting a delivery report (default 2)",
    )
    parser.add_argument(
        "--delivery-url", help="delivery callback URL preset on every account"
    )
    parser.add_argument(
        "--twoway-url", help="two-way callback URL preset on every account"
    )
    parser.add_argument(
        "--two-way-code",
        metavar="CODE",
        help="the two-way code of every account, which answers put first (e.g. 03)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Serve the simulator until interrupted, logging each request to stdout."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stdout,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    accounts = dict(args.account) if args.account else None
    simulator = Simulator(accounts=accounts, callback_delay=args.callback_delay)
    for account in simulator.accounts.values():
        account.delivery_url = account.delivery_url or args.delivery_url
        account.twoway_url = account.twoway_url or args.twoway_url
        account.two_way_code = account.two_way_code or args.two_way_code
    names = ", ".join(simulator.accounts)
    sys.stdout.write(
        f"SMS-Get simulator on http://{args.host}:{args.port}"
        f" (accounts: {names}; settings page: /settings)\n"
    )
    sys.stdout.flush()
    # No access log: a client sending credentials in a GET would put them in it.
    web.run_app(
        simulator.app, host=args.host, port=args.port, access_log=None, print=None
    )


if __name__ == "__main__":
    main()
