"""A contract-checking fake Slack (Web API, response_url, Socket Mode) and signed requests.

    async with FakeSlack() as slack:
        slack.add_team("T0NORTH", bot_token="xoxb-north", bot_user_id="UBOT1", bot_id="B01")
        client = AsyncWebClient(token="xoxb-north", base_url=slack.api_url)

Calls are checked against the vendored Slack catalogue (`tests/slack_contract/`), the bot
scopes granted in `manifest.yml` and the Block Kit limits of CONTRACT.md §5.
"""

from .records import Channel, Team, UploadedFile, User
from .server import FakeSlack
from .signing import AppResponse, SlackRequestSender
from .wire import Call

__all__ = [
    "AppResponse",
    "Call",
    "Channel",
    "FakeSlack",
    "SlackRequestSender",
    "Team",
    "UploadedFile",
    "User",
]
