"""The provider package works in an interpreter where Home Assistant cannot be imported."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

PACKAGE = Path(__file__).parents[2] / "custom_components" / "sms_get" / "provider"

# Run in a fresh interpreter: Home Assistant blocked, the package loaded by its path as
# a top-level package of its own (not as part of the integration), every module of it
# imported, and a round trip through the client against a local server.
SCRIPT = r"""
import asyncio
import importlib
import importlib.abc
import importlib.util
import pkgutil
import sys
from pathlib import Path


class BlockHomeAssistant(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] == "homeassistant":
            raise ImportError(f"{name} is blocked")
        return None


sys.meta_path.insert(0, BlockHomeAssistant())
try:
    import homeassistant  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("the block does not work")

package = Path(sys.argv[1])
spec = importlib.util.spec_from_file_location(
    "smsget", package / "__init__.py", submodule_search_locations=[str(package)]
)
smsget = importlib.util.module_from_spec(spec)
sys.modules["smsget"] = smsget
spec.loader.exec_module(smsget)
for module in pkgutil.iter_modules(smsget.__path__):
    importlib.import_module(f"smsget.{module.name}")

assert smsget.__doc__
assert (package / "py.typed").is_file()
assert len(set(smsget.__all__)) == len(smsget.__all__)
missing = [name for name in smsget.__all__ if not hasattr(smsget, name)]
assert not missing, missing

phone = smsget.normalize("+886 912-345-678")
assert phone.number == "0912345678"
assert smsget.estimate("Hello", [phone]).points == 1
replies, malformed = smsget.parse_replies("0912345678|a1|2026-01-01 21:08:07|03%E5%A5%BD")
assert (replies[0].raw_text, malformed) == ("03好", [])
assert smsget.split_code(replies[0].raw_text, "03") == ("03", "好")


async def round_trip():
    import aiohttp
    from aiohttp import web

    async def credit(request):
        form = await request.post()
        assert (form["username"], form["password"]) == ("hauser", "pw")
        return web.json_response(
            {"stats": True, "error_code": "000", "error_msg": "hauser|42"}
        )

    async def send(request):
        form = await request.post()
        assert (form["sms_msg"], form["phone"]) == ("Hi", "0912345678")
        return web.json_response(
            {"stats": True, "error_code": "000", "error_msg": "m1|1|41"}
        )

    app = web.Application()
    app.router.add_post("/api_query_credit.php", credit)
    app.router.add_post("/api_send.php", send)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            client = smsget.SmsGetClient(
                session, "hauser", "pw", base_url=f"http://127.0.0.1:{port}"
            )
            assert await client.query_credit() == smsget.Credit(42)
            assert await client.send("Hi", [phone.number]) == smsget.SendResult(
                "m1", 1, 41
            )
    finally:
        await runner.cleanup()


asyncio.run(round_trip())
assert not any(name.partition(".")[0] == "homeassistant" for name in sys.modules)
print("standalone ok")
"""


def test_provider_without_home_assistant() -> None:
    """Import every module and talk to SMS-Get with Home Assistant unavailable."""
    result = subprocess.run(  # noqa: S603  # our own interpreter and script
        [sys.executable, "-c", SCRIPT, str(PACKAGE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "standalone ok"
