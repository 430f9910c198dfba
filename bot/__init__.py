"""Hỏi Tin's front ends: the Telegram bot and the console chat, over :mod:`retrieval`'s service."""
