"""Hỏi Tin retrieval: Vietnamese news articles in, cited answers out.

Knows nothing of Telegram. The service surface is :class:`retrieval.library.Library`.
"""
