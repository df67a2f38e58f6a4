"""files.*: upload v2.

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


HANDLERS = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
