"""Block Kit limit checks (CONTRACT.md §5), reported the way Slack reports them.

Slack publishes no Block Kit JSON Schema, so the limits table in CONTRACT.md §5 is the
contract. Every violation carries the JSON pointer of the offending field so that the fake
can answer with Slack's message format, e.g.
`must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.
The checks cover the limits the table lists; properties it does not mention pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
VIEW_MAX_BYTES = 250 * 1024
TEXT_MAX = 3000

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
_STATIC_OPTION_ELEMENTS = frozenset({"static_select", "multi_static_select"})
_MRKDWN_OPTION_ELEMENTS = frozenset({"checkboxes", "radio_buttons"})


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (JSON pointer) and what (Slack's wording)."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} [json-pointer:{self.pointer}]"


@dataclass
class _Checker:
    """Walks one message's blocks or one view, collecting violations."""

    violations: list[Violation] = field(default_factory=list)
    block_ids: set[str] = field(default_factory=set)

    def fail(self, pointer: str, message: str) -> None:
        self.violations.append(Violation(pointer, message))

    # -- primitives -------------------------------------------------------------------------
    def string(self, value: Any, ptr: str, max_len: int, *, min_len: int = 0) -> None:
        if not isinstance(value, str):
            self.fail(ptr, "must be a string")
        elif len(value) > max_len:
            self.fail(ptr, f"must be less than {max_len + 1} characters")
        elif len(value) < min_len:
            self.fail(ptr, f"must be more than {min_len - 1} characters")

    def array(self, value: Any, ptr: str, max_items: int, *, min_items: int = 0) -> list[Any]:
        if not isinstance(value, list):
            self.fail(ptr, "must be an array")
            return []
        if len(value) > max_items:
            self.fail(ptr, f"no more than {max_items} items allowed")
        elif len(value) < min_items:
            self.fail(ptr, f"must provide at least {min_items} items")
        return value

    def obj(self, value: Any, ptr: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(ptr, "must be an object")
            return None
        return value

    def required(self, parent: dict[str, Any], key: str, ptr: str) -> bool:
        if parent.get(key) is None:
            self.fail(ptr, f"missing required field: {key}")
            return False
        return True

    def text(self, value: Any, ptr: str, max_len: int = TEXT_MAX, *, plain: bool = False) -> None:
        """A text object: `plain_text` (or `mrkdwn` where allowed) with 1..max_len chars."""
        text_obj = self.obj(value, ptr)
        if text_obj is None:
            return
        allowed = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if text_obj.get("type") not in allowed:
            self.fail(f"{ptr}/type", "must be a valid enum value")
        self.string(text_obj.get("text"), f"{ptr}/text", max_len, min_len=1)

    def optional_text(
        self, parent: dict[str, Any], key: str, ptr: str, max_len: int, *, plain: bool = False
    ) -> None:
        if parent.get(key) is not None:
            self.text(parent[key], f"{ptr}/{key}", max_len, plain=plain)

    def optional_string(self, parent: dict[str, Any], key: str, ptr: str, max_len: int) -> None:
        if parent.get(key) is not None:
            self.string(parent[key], f"{ptr}/{key}", max_len)

    # -- blocks -------------------------------------------------------------------------------
    def blocks(self, value: Any, ptr: str, max_blocks: int) -> list[dict[str, Any]]:
        checked = []
        for i, raw in enumerate(self.array(value, ptr, max_blocks)):
            block = self.obj(raw, f"{ptr}/{i}")
            if block is not None:
                self.block(block, f"{ptr}/{i}")
                checked.append(block)
        return checked

    def block(self, block: dict[str, Any], ptr: str) -> None:
        kind = block.get("type")
        if kind not in KNOWN_BLOCK_TYPES:
            self.fail(f"{ptr}/type", "must be a valid enum value")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.string(block_id, f"{ptr}/block_id", 255)
            if block_id in self.block_ids:
                self.fail(f"{ptr}/block_id", "duplicate block_id")
            self.block_ids.add(block_id)
        check = getattr(self, f"block_{kind}", None)
        if check is not None:
            check(block, ptr)

    def block_section(self, block: dict[str, Any], ptr: str) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.fail(ptr, "must provide either text or fields")
        self.optional_text(block, "text", ptr, TEXT_MAX)
        if block.get("fields") is not None:
            for i, item in enumerate(self.array(block["fields"], f"{ptr}/fields", 10)):
                self.text(item, f"{ptr}/fields/{i}", 2000)
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{ptr}/accessory")

    def block_header(self, block: dict[str, Any], ptr: str) -> None:
        if self.required(block, "text", ptr):
            self.text(block["text"], f"{ptr}/text", 150, plain=True)

    def block_context(self, block: dict[str, Any], ptr: str) -> None:
        elements = self.array(block.get("elements"), f"{ptr}/elements", 10, min_items=1)
        for i, item in enumerate(elements):
            if isinstance(item, dict) and item.get("type") == "image":
                self.element(item, f"{ptr}/elements/{i}")
            else:
                self.text(item, f"{ptr}/elements/{i}")

    def block_actions(self, block: dict[str, Any], ptr: str) -> None:
        elements = self.array(block.get("elements"), f"{ptr}/elements", 25, min_items=1)
        for i, item in enumerate(elements):
            self.element(item, f"{ptr}/elements/{i}")

    def block_input(self, block: dict[str, Any], ptr: str) -> None:
        if self.required(block, "label", ptr):
            self.text(block["label"], f"{ptr}/label", 2000, plain=True)
        self.optional_text(block, "hint", ptr, 2000, plain=True)
        if self.required(block, "element", ptr):
            self.element(block["element"], f"{ptr}/element")

    def block_image(self, block: dict[str, Any], ptr: str) -> None:
        self.image(block, ptr)
        self.optional_text(block, "title", ptr, 2000, plain=True)

    def block_markdown(self, block: dict[str, Any], ptr: str) -> None:
        self.string(block.get("text"), f"{ptr}/text", 12000, min_len=1)

    # -- elements -----------------------------------------------------------------------------
    def image(self, image: dict[str, Any], ptr: str) -> None:
        if image.get("image_url") is None and image.get("slack_file") is None:
            self.fail(ptr, "must provide either image_url or slack_file")
        self.optional_string(image, "image_url", ptr, 3000)
        if self.required(image, "alt_text", ptr):
            self.string(image["alt_text"], f"{ptr}/alt_text", 2000)

    def element(self, raw: Any, ptr: str) -> None:
        element = self.obj(raw, ptr)
        if element is None:
            return
        kind = element.get("type")
        if not isinstance(kind, str):
            self.fail(f"{ptr}/type", "missing required field: type")
            return
        self.optional_string(element, "action_id", ptr, 255)
        self.optional_text(element, "placeholder", ptr, 150, plain=True)
        if element.get("confirm") is not None:
            self.confirm(element["confirm"], f"{ptr}/confirm")
        if kind == "image":
            self.image(element, ptr)
        elif kind == "button":
            if self.required(element, "text", ptr):
                self.text(element["text"], f"{ptr}/text", 75, plain=True)
            self.optional_string(element, "value", ptr, 2000)
            self.optional_string(element, "url", ptr, 3000)
        elif kind in _STATIC_OPTION_ELEMENTS:
            self.static_options(element, ptr)
        elif kind == "overflow":
            self.options(element.get("options"), f"{ptr}/options", 5, plain=True)
        elif kind in _MRKDWN_OPTION_ELEMENTS:
            self.options(element.get("options"), f"{ptr}/options", 10, plain=False)

    def static_options(self, element: dict[str, Any], ptr: str) -> None:
        if element.get("options") is not None:
            self.options(element["options"], f"{ptr}/options", 100, plain=True)
        elif element.get("option_groups") is not None:
            groups = self.array(element["option_groups"], f"{ptr}/option_groups", 100, min_items=1)
            for i, group in enumerate(groups):
                group_ptr = f"{ptr}/option_groups/{i}"
                if self.obj(group, group_ptr) is not None:
                    self.optional_text(group, "label", group_ptr, 75, plain=True)
                    self.options(group.get("options"), f"{group_ptr}/options", 100, plain=True)
        else:
            self.fail(ptr, "must provide either options or option_groups")

    def options(self, value: Any, ptr: str, max_items: int, *, plain: bool) -> None:
        for i, raw in enumerate(self.array(value, ptr, max_items, min_items=1)):
            option = self.obj(raw, f"{ptr}/{i}")
            if option is None:
                continue
            if self.required(option, "text", f"{ptr}/{i}"):
                self.text(option["text"], f"{ptr}/{i}/text", 75, plain=plain)
            if self.required(option, "value", f"{ptr}/{i}"):
                self.string(option["value"], f"{ptr}/{i}/value", 150, min_len=1)
            self.optional_text(option, "description", f"{ptr}/{i}", 75, plain=plain)
            self.optional_string(option, "url", f"{ptr}/{i}", 3000)

    def confirm(self, raw: Any, ptr: str) -> None:
        confirm = self.obj(raw, ptr)
        if confirm is None:
            return
        for key, limit, plain in (("title", 100, True), ("text", 300, False)):
            if self.required(confirm, key, ptr):
                self.text(confirm[key], f"{ptr}/{key}", limit, plain=plain)
        for key in ("confirm", "deny"):
            if self.required(confirm, key, ptr):
                self.text(confirm[key], f"{ptr}/{key}", 30, plain=True)

    # -- views --------------------------------------------------------------------------------
    def view(self, view: dict[str, Any], ptr: str) -> None:
        kind = view.get("type")
        if kind not in ("modal", "home"):
            self.fail(f"{ptr}/type", "must be a valid enum value")
        blocks = self.blocks(view.get("blocks"), f"{ptr}/blocks", VIEW_MAX_BLOCKS)
        if kind == "modal":
            if self.required(view, "title", ptr):
                self.text(view["title"], f"{ptr}/title", 24, plain=True)
            has_input = any(b.get("type") == "input" for b in blocks)
            if has_input and view.get("submit") is None:
                self.fail(f"{ptr}/submit", "must provide submit when using input blocks")
        for key in ("submit", "close"):
            self.optional_text(view, key, ptr, 24, plain=True)
        self.optional_string(view, "private_metadata", ptr, 3000)
        self.optional_string(view, "callback_id", ptr, 255)
        self.optional_string(view, "external_id", ptr, 255)


def check_message_blocks(blocks: Any, pointer: str = "/blocks") -> list[Violation]:
    """Violations in a message's `blocks` array (chat.*, response_url, file comments)."""
    checker = _Checker()
    checker.blocks(blocks, pointer, MESSAGE_MAX_BLOCKS)
    return checker.violations


def check_view(view: Any, pointer: str = "/view") -> list[Violation]:
    """Violations in a `view` object (modal or Home tab); size is checked separately."""
    checker = _Checker()
    view_obj = checker.obj(view, pointer)
    if view_obj is not None:
        checker.view(view_obj, pointer)
    return checker.violations


def view_too_large(view: Any) -> bool:
    """True when the serialized view exceeds Slack's 250 kB limit (`view_too_large`)."""
    return len(json.dumps(view, separators=(",", ":")).encode()) > VIEW_MAX_BYTES
