"""The local sandbox: a fake Telegram Bot API with simulated users and a web chat page.

Independent of the app (imports neither telegram nor any other gridbot module).
"""

from .server import FakeBotApi

__all__ = ["FakeBotApi"]
