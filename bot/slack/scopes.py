"""The bot scopes the app requests: exactly what its Web API calls and events need.

`manifest.yml` grants the same list (a test keeps the two equal), and the OAuth install
asks for it.
"""

BOT_SCOPES: tuple[str, ...] = (
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "chat:write.customize",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "reactions:read",
    "reactions:write",
    "users:read",
    "users:read.email",
)
