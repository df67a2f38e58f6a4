"""files upload v2, oauth.v2.access and apps.connections.open.

Upload v2 is three steps (python-slack-sdk `files_upload_v2`): files.getUploadURLExternal
returns an upload URL (here on the fake itself), the client POSTs the bytes there, and
files.completeUploadExternal shares the file to a channel or thread. The bytes are kept so
a test can read the uploaded CSV back.
"""

from __future__ import annotations

from typing import Any

from ..context import CallContext, SlackError
from ..records import UploadedFile
from .chat import bot_message, checked_blocks, thread_parent, writable_channel


def get_upload_url(ctx: CallContext) -> dict[str, Any]:
    team = ctx.bot_team
    try:
        length = int(ctx.arg("length"))
    except (TypeError, ValueError):
        raise SlackError("missing_argument") from None
    if length <= 0:
        raise SlackError("missing_argument")
    file_id = ctx.state.new_id("F")
    upload = UploadedFile(
        id=file_id,
        team_id=team.id,
        user_id=team.bot_user_id,
        filename=ctx.str_arg("filename") or "",
        length=length,
        upload_url=f"{ctx.state.base_url}upload/v1/{file_id}",
    )
    ctx.state.files[file_id] = upload
    return {"upload_url": upload.upload_url, "file_id": file_id}


def complete_upload(ctx: CallContext) -> dict[str, Any]:
    team = ctx.bot_team
    entries = ctx.json_arg("files")
    if not isinstance(entries, list) or not entries:
        raise SlackError("invalid_arguments")
    uploads: list[UploadedFile] = []
    for entry in entries:
        upload = ctx.state.files.get(str(entry.get("id")) if isinstance(entry, dict) else "")
        if upload is None or upload.team_id != team.id or upload.content is None:
            raise SlackError("file_not_found")
        upload.title = entry.get("title") or upload.filename
        uploads.append(upload)
    targets = [c for c in (ctx.str_arg("channels") or "").split(",") if c]
    if ctx.str_arg("channel_id"):
        targets.insert(0, ctx.str_arg("channel_id") or "")
    channels = [writable_channel(ctx, target) for target in targets]
    threads = [thread_parent(ctx, channel) for channel in channels]
    blocks = ctx.json_arg("blocks", error="invalid_blocks")
    checked = checked_blocks(blocks) if blocks is not None else None
    for upload in uploads:
        upload.completed = True
    for channel, thread_ts in zip(channels, threads, strict=True):
        message = bot_message(team, {"text": ctx.str_arg("initial_comment") or ""})
        message.update(upload=True, display_as_bot=False)
        if checked is not None:
            message["blocks"] = checked
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        stored = ctx.state.append_message(channel, message)
        for upload in uploads:
            upload.shares.append((channel.id, stored["ts"]))
        stored["files"] = [u.as_api() for u in uploads]
    return {"files": [{"id": u.id, "title": u.title} for u in uploads]}


def oauth_v2_access(ctx: CallContext) -> dict[str, Any]:
    state = ctx.state
    if state.oauth_client is not None:
        client_id, client_secret = state.oauth_client
        if ctx.str_arg("client_id") != client_id:
            raise SlackError("invalid_client_id")
        if ctx.str_arg("client_secret") != client_secret:
            raise SlackError("bad_client_secret")
    if ctx.str_arg("grant_type") not in (None, "authorization_code"):
        raise SlackError("invalid_grant_type")
    code = state.oauth_codes.get(ctx.str_arg("code") or "")
    if code is None or code.used:
        raise SlackError("invalid_code")
    code.used = True
    team = state.teams[code.team_id]
    scopes = sorted(team.scopes if code.scopes is None else code.scopes)
    team.scopes, team.revoked = set(scopes), False
    return {
        "access_token": team.bot_token,
        "token_type": "bot",
        "scope": ",".join(scopes),
        "bot_user_id": team.bot_user_id,
        "app_id": team.app_id,
        "team": {"id": team.id, "name": team.name},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": code.user_id},
    }


def connections_open(ctx: CallContext) -> dict[str, Any]:
    ws_base = ctx.state.base_url.replace("http://", "ws://", 1)
    return {"url": f"{ws_base}link/?ticket={ctx.state.new_id('T')}&app_id=A0THREADLINE"}


HANDLERS = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "oauth.v2.access": oauth_v2_access,
    "apps.connections.open": connections_open,
}
