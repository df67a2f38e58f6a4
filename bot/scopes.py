"""The bot scopes the app requests: exactly what its Web API calls and events need.

`manifest.yml` grants the same list (a test keeps the two equal), and the OAuth install
asks for it.
"""

BOT_SCOPES: tuple[str, ...] = (
    "channels:history",
    "channels:join",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
    "users:read",
    "users:read.email",
)
