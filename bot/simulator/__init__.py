"""A local Telegram: the Bot API, a web page with every chat, and a scripting API.

Run it with ``python -m bot.simulator``; see ``bot/simulator/README.md``.
"""
