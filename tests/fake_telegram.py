"""A fake Telegram Bot API, at the HTTP layer only.

:class:`FakeBotAPI` answers Bot API methods the way Telegram does (the shapes python-telegram-bot
parses), records every call, and checks what Telegram checks: message length and HTML
entities. It is plugged in two ways: as a ``telegram.request.BaseRequest`` (the real
``Application`` serialises each request and hands it over), or behind a real aiohttp server
on 127.0.0.1 that a bot reaches through ``TELEGRAM_API_BASE_URL``.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web
from telegram.request import BaseRequest, RequestData

BOT_ID = 999
BOT_USERNAME = "hoitin_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Hỏi Tin", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span", "tg-spoiler",
         "blockquote"}
_BARE_AMP_RE = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class EntityError(ValueError):
    pass


class _HTMLCheck(HTMLParser):
    """Telegram's rules for HTML parse mode: known tags only, properly nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            raise EntityError(f"Unsupported start tag \"{tag}\"")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(f"Unmatched end tag \"{tag}\"")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(markup: str) -> str:
    """The text a user sees for an HTML message; :class:`EntityError` where Telegram says 400."""
    if _BARE_AMP_RE.search(markup):
        raise EntityError("Can't parse entities: unescaped &")
    check = _HTMLCheck()
    check.feed(markup)
    check.close()
    if check.stack:
        raise EntityError(f"Can't find end tag corresponding to start tag \"{check.stack[-1]}\"")
    if "<" in check.rawdata:
        raise EntityError("Can't parse entities: unescaped <")
    return "".join(check.text)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)  # multipart part → (name, bytes, type)


@dataclass
class Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None
    times: int = 1


@dataclass
class FakeBotAPI:
    """Bot API state: the calls seen, failures to inject, updates waiting for getUpdates."""

    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    next_message_id: int = 100
    delays: dict[int, float] = field(default_factory=dict)  # chat id → seconds before a send is answered
    files: dict[str, bytes] = field(default_factory=dict)  # file_id → content users "uploaded"
    arrived: list[Call] = field(default_factory=list)  # every call as it arrives, before any delay (in flight)
    _arrived: asyncio.Event | None = None

    # --- test controls ----------------------------------------------------------------------

    def fail(self, method: str, status: int, description: str, parameters: dict[str, Any] | None = None,
             times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer ``status`` (like Telegram would)."""
        self.failures.setdefault(method, []).append(Failure(status, description, parameters, times))

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def texts(self, method: str = "sendMessage") -> list[str]:
        return [str(p["text"]) for p in self.sent(method)]

    def upload(self, data: bytes, file_name: str, mime_type: str = "application/octet-stream") -> dict[str, Any]:
        """A document a user sends: its content kept for getFile and the download that follows."""
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = data
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name, "mime_type": mime_type,
                "file_size": len(data)}

    def uploads(self, method: str) -> list[tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]]:
        """(parameters, files by part name) of each ``method`` call that sent files."""
        return [(c.params, c.files) for c in self.calls if c.method == method]

    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Make an update available to getUpdates (the polling tests)."""
        update = {"update_id": self.next_update_id, **update}
        self.next_update_id += 1
        self.updates.append(update)
        if self._arrived:
            self._arrived.set()
        return update

    # --- the API ----------------------------------------------------------------------------

    async def handle(self, method: str, params: dict[str, Any],
                     files: dict[str, tuple[str, bytes, str]] | None = None) -> tuple[int, dict[str, Any]]:
        """One Bot API call (``files``: its multipart uploads): (HTTP status, JSON body)."""
        self.arrived.append(Call(method, params, files=files or {}))
        delay = self.delays.get(int(params.get("chat_id") or 0))
        if delay and method == "sendMessage":
            await asyncio.sleep(delay)
        self.calls.append(Call(method, params, files=files or {}))
        pending = self.failures.get(method)
        if pending:
            failure = pending[0]
            failure.times -= 1
            if failure.times <= 0:
                pending.pop(0)
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.parameters:
                body["parameters"] = failure.parameters
            return failure.status, body
        if method == "getUpdates":
            return 200, {"ok": True, "result": await self._get_updates(params)}
        try:
            result = self._result(method, params)
        except EntityError as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        return 200, {"ok": True, "result": result}

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            text = str(params["text"])
            shown = visible_text(text) if params.get("parse_mode") == "HTML" else text
            if not shown.strip():
                raise EntityError("message text is empty")
            if len(shown.encode("utf-16-le")) // 2 > 4096:
                raise EntityError("message is too long")
            self.next_message_id += 1
            chat_id = int(params.get("chat_id") or 0)
            message = {"message_id": int(params.get("message_id") or self.next_message_id), "date": int(time.time()),
                       "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
                       "from": BOT_USER, "text": html.unescape(re.sub(r"<[^>]*>", "", text))}
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "getFile":
            file_id = str(params["file_id"])
            if file_id not in self.files:
                raise EntityError("wrong file_id or the file is temporarily unavailable")
            return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id]),
                    "file_path": f"documents/{file_id}"}
        if method in ("sendDocument", "sendPhoto"):
            return self._media(method, params, self.calls[-1].files)
        if method == "answerInlineQuery":
            for result in params.get("results", []):
                content = result["input_message_content"]
                visible_text(content["message_text"])
            return True
        return True  # setMyCommands, answerCallbackQuery, deleteWebhook, …

    def _media(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes, str]]) -> dict[str, Any]:
        """sendDocument / sendPhoto with an uploaded file, checked as Telegram does."""
        part = "document" if method == "sendDocument" else "photo"
        attached = str(params.get(part) or "")  # "attach://name" names the multipart part; else the part is ``part``
        upload = files.get(attached.removeprefix("attach://") if attached.startswith("attach://") else part)
        if upload is None:
            raise EntityError(f"there is no {part} in the request")
        name, data, _ = upload
        if len(data) > (10 if part == "photo" else 50) * 1024 * 1024:
            raise EntityError("file is too big")
        caption = str(params.get("caption") or "")
        shown = visible_text(caption) if params.get("parse_mode") == "HTML" else caption
        if len(shown) > 1024:
            raise EntityError("message caption is too long")
        self.next_message_id += 1
        chat_id = int(params.get("chat_id") or 0)
        message: dict[str, Any] = {
            "message_id": self.next_message_id, "date": int(time.time()), "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "g"}}
        if part == "document":
            message["document"] = {"file_id": f"sent{self.next_message_id}", "file_unique_id": "s", "file_name": name}
        else:
            message["photo"] = [{"file_id": f"sent{self.next_message_id}", "file_unique_id": "s", "width": 1,
                                 "height": 1}]
        if caption:
            message["caption"] = caption
        return message

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._arrived = self._arrived or asyncio.Event()
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=min(float(params.get("timeout") or 0), 1.0))
            except TimeoutError:
                pass
        return list(self.updates)


class FakeRequest(BaseRequest):
    """The fake Bot API as python-telegram-bot's HTTP layer."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a download of a file users sent (getFile gave its path)
            data = self.api.files.get(url.rsplit("/", 1)[-1])
            return (200, data) if data is not None else (404, b"Not Found")
        params = request_data.parameters if request_data else {}
        files: dict[str, tuple[str, bytes, str]] = {}
        for part, upload in (request_data.multipart_data if request_data else {}).items():
            name, content, mime = upload
            files[part] = (str(name), content if isinstance(content, bytes) else content.read(), str(mime))
        status, body = await self.api.handle(url.rsplit("/", 1)[-1], params, files)
        return status, json.dumps(body).encode()


_STRING_FIELDS = {"text", "query", "description", "callback_query_id", "inline_query_id", "parse_mode"}


async def serve(api: FakeBotAPI, token: str | None, port: int = 0) -> tuple[web.AppRunner, str]:
    """The fake Bot API on 127.0.0.1 (a free port by default); returns the runner and the base URL.

    Only ``token`` is accepted (any token when None).
    """

    async def endpoint(request: web.Request) -> web.Response:
        if token is not None and request.match_info["token"] != token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        files: dict[str, tuple[str, bytes, str]] = {}
        if request.content_type == "application/json":
            params = await request.json()
        else:
            form = await request.post()
            files = {k: (v.filename, v.file.read(), v.content_type) for k, v in form.items()
                     if isinstance(v, web.FileField)}
            params = {k: str(v) if k in _STRING_FIELDS else _json_or_str(str(v)) for k, v in form.items()
                      if k not in files}
        status, body = await api.handle(request.match_info["method"], params, files)
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/bot"


# --- updates as Telegram sends them -----------------------------------------------------------

USER_ID = 4242
GROUP_ID = -1001234


def _user(user_id: int, lang: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Lan"}
    if lang:
        user["language_code"] = lang
    return user


def message(text: str | None = None, *, user_id: int = USER_ID, lang: str | None = "vi", chat_id: int | None = None,
            reply_to: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A message update; a text starting with ``/`` carries its bot_command entity."""
    chat_id = user_id if chat_id is None else chat_id
    chat = {"id": chat_id, "type": "private", "first_name": "Lan"} if chat_id > 0 else \
        {"id": chat_id, "type": "supergroup", "title": "Tin tức"}
    msg: dict[str, Any] = {"message_id": 1, "date": int(time.time()), "chat": chat, "from": _user(user_id, lang),
                           **extra}
    if text is not None:
        msg["text"] = text
        entities = list(msg.pop("entities", []))
        if text.startswith("/"):
            entities.insert(0, {"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        if entities:
            msg["entities"] = entities
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return {"message": msg}


def callback(data: str, sent: dict[str, Any], *, user_id: int = USER_ID, lang: str | None = "vi") -> dict[str, Any]:
    """A press of a button on a message the bot sent (``sent`` is that message's parameters)."""
    chat_id = int(sent["chat_id"])
    msg = {"message_id": 555, "date": int(time.time()), "from": BOT_USER, "text": "…",
           "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "g"}}
    return {"callback_query": {"id": "cb1", "from": _user(user_id, lang), "chat_instance": "ci", "data": data,
                               "message": msg}}


def inline_query(query: str, *, user_id: int = USER_ID, lang: str | None = "vi") -> dict[str, Any]:
    return {"inline_query": {"id": "iq1", "from": _user(user_id, lang), "query": query, "offset": ""}}


# --- a demo server: python -m tests.fake_telegram ---------------------------------------------


async def _demo(port: int, questions: list[str], seconds: float) -> None:
    api = FakeBotAPI()
    runner, base_url = await serve(api, None, port)
    print(f"fake Bot API at {base_url}", flush=True)
    for question in questions:
        api.queue(message(question))
    shown = 0
    for _ in range(int(seconds * 10)):
        for params in api.sent()[shown:]:
            print(f"--- bot → chat {params.get('chat_id')}:\n{visible_text(str(params['text']))}", flush=True)
            shown += 1
        await asyncio.sleep(0.1)
    await runner.cleanup()


def _json_or_str(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_telegram",
        description="Serve the fake Bot API on 127.0.0.1, queue questions as private messages, print the "
                    "bot's replies. Point the bot at it with TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot.")
    parser.add_argument("questions", nargs="*", help="questions a user sends (in order)")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--seconds", type=float, default=60, help="how long to serve")
    args = parser.parse_args()
    asyncio.run(_demo(args.port, args.questions, args.seconds))
