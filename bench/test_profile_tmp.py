"""Temporary: profile the webhook path."""
from __future__ import annotations
import cProfile, pstats, io
from typing import Any
from homeassistant.core import HomeAssistant
from bench.data import load_callbacks
from tests.conftest import WEBHOOK_ID

async def test_profile(hass: HomeAssistant, init_integration: Any, hass_client_no_auth: Any) -> None:
    from homeassistant.core import callback
    hass.bus.async_listen("sms_get_delivery_report", callback(lambda e: None))
    hass.bus.async_listen("sms_get_reply_received", callback(lambda e: None))
    client = await hass_client_no_auth()
    url = f"/api/webhook/{WEBHOOK_ID}"
    async def send(cbs):
        for cb in cbs:
            if cb.place == "query":
                r = await client.request(cb.method, url, params=cb.params)
            else:
                r = await client.request(cb.method, url, data=cb.params)
            await r.read()
    await send(load_callbacks(300, seed=1, prefix="w"))
    cbs = load_callbacks(3000, seed=8, prefix="x")
    prof = cProfile.Profile()
    prof.enable()
    await send(cbs)
    await hass.async_block_till_done()
    prof.disable()
    out = io.StringIO()
    st = pstats.Stats(prof, stream=out).sort_stats("cumulative")
    st.print_callees("sms_get.webhook.py")
    st.print_stats(60)
    open("/tmp/wh_prof.txt", "w").write(out.getvalue())
