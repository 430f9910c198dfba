"""Per-chat fairness over real long polling: one chat flooding the bot takes nothing from the others."""

from __future__ import annotations

import asyncio
import json

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


async def test_a_forged_button_over_http_shows_nothing_of_another_chat(seed_library: Library) -> None:
    """Issue 11, row 8, over real long polling: B presses the buttons A's search made, and guesses."""
    from .fake_telegram import callback

    api = FakeBotAPI()
    alice, bob = USER_ID, USER_ID + 5
    async with polling(seed_library, api, TOKEN):
        api.queue(message("/search hội nghị mật khẩu riêng của Lan", user_id=alice))
        for _ in range(200):
            if api.sent():
                break
            await asyncio.sleep(0.05)
        [page] = api.sent()
        datas = [b["callback_data"] for row in page["reply_markup"]["inline_keyboard"] for b in row if "callback_data" in b]
        for number, data in enumerate([*datas, "p:1:1", "p:2:1", "o:1:2:1:1"], start=1):
            api.queue(callback(data, {"chat_id": bob}, user_id=bob))  # one press at a time, as a person presses
            for _ in range(200):
                if len([c for c in api.calls if c.method == "answerCallbackQuery"]) >= number:
                    break
                await asyncio.sleep(0.05)
    to_bob = [c.params for c in api.calls if str(c.params.get("chat_id")) == str(bob)]
    assert to_bob == [], "nothing was sent to or edited for the other chat"
    answers = [c.params for c in api.calls if c.method == "answerCallbackQuery"]
    assert len(answers) == len(datas) + 3 and all(a.get("show_alert") for a in answers)
    assert not any("mật khẩu" in json.dumps(a, ensure_ascii=False) for a in answers)


async def test_a_crowd_of_chats_does_not_hold_up_another(seed_library: Library) -> None:
    """Issue 27, L11: 300 chats asking at once held up another chat for 8.8 s, first come, first
    served. Turns now go first to the chats that ask least (turns lately plus updates waiting):
    a chat that asks once goes before a crowd that asks four times each."""
    api = FakeBotAPI()
    crowd = [USER_ID + 100 + n for n in range(60)]
    other = USER_ID + 1
    async with polling(seed_library, api, TOKEN):
        for chat in crowd:
            for _ in range(4):  # as many as a chat may have in hand
                api.queue(message(QUESTION, user_id=chat))
        api.queue(message(QUESTION, user_id=other))
        for _ in range(600):
            if len(api.sent()) == 4 * len(crowd) + 1:
                break
            await asyncio.sleep(0.05)
    order = [int(p["chat_id"]) for p in api.sent()]
    assert len(order) == 4 * len(crowd) + 1 and order.count(other) == 1
    assert order.index(other) < len(crowd) + 32, "behind the turns at work, not behind the crowd's questions"
