"""Per-chat fairness over real long polling: one chat flooding the bot takes nothing from the others."""

from __future__ import annotations

import asyncio

from retrieval.library import Library

from .bot_harness import polling
from .fake_telegram import USER_ID, FakeBotAPI, message, visible_text

TOKEN = "555000:FAIRNESS-token"
QUESTION = "Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?"


async def test_a_flooding_chat_is_throttled_and_others_go_first(seed_library: Library) -> None:
    api = FakeBotAPI()
    flood, other = USER_ID, USER_ID + 1
    async with polling(seed_library, api, TOKEN):
        for _ in range(200):
            api.queue(message(QUESTION, user_id=flood))
        api.queue(message("/help", user_id=other))
        for _ in range(200):
            if any(int(p["chat_id"]) == other for p in api.sent()):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(8.0)  # the flood's admitted questions are answered meanwhile, at Telegram's pace
    to_flood = [c for c in api.calls if c.method == "sendMessage" and int(c.params["chat_id"]) == flood]
    to_other = [c for c in api.calls if c.method == "sendMessage" and int(c.params["chat_id"]) == other]
    assert len(to_other) == 1 and "Hỏi Tin" in visible_text(to_other[0].params["text"])
    answers = [c for c in to_flood if "Trương Thị Mai" in visible_text(c.params["text"])]
    notices = [c for c in to_flood if "gửi nhanh quá" in visible_text(c.params["text"])]
    assert len(notices) == 1, "told once to slow down, not once per dropped question"
    assert 1 <= len(answers) <= 10, "the flood is answered as far as its bound, the rest dropped"
    assert to_other[0].at < answers[-1].at, "the other chat did not wait for the flood"
    times = [c.at for c in to_flood]
    paced = [b - a for a, b in zip(times[5:], times[6:])]  # after the burst of five
    assert all(gap >= 0.9 for gap in paced), f"replies to one chat came closer than a second: {paced}"
