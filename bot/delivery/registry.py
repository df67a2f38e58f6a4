"""Which sender delivers each kind of outbox row. The worker builds the table once, at start."""

from __future__ import annotations

from bot.delivery import mirror_senders, senders
from bot.delivery.senders import Sender
from core.outbox.deliveries import DeliveryKind


def build_senders() -> dict[str, Sender]:
    """A sender for every `DeliveryKind` (a kind left out would be dead-lettered)."""
    table: dict[DeliveryKind, Sender] = {
        DeliveryKind.NOTIFY_CHANNEL: senders.send_channel_notification,
        DeliveryKind.NOTIFY_DM: senders.send_dm_notification,
        DeliveryKind.HOME_REFRESH: senders.send_home_refresh,
        DeliveryKind.THREAD_OPEN: mirror_senders.open_thread,
        DeliveryKind.CARD_UPDATE: mirror_senders.update_card,
        DeliveryKind.RELAY_POST: mirror_senders.relay_post,
        DeliveryKind.RELAY_EDIT: mirror_senders.relay_edit,
        DeliveryKind.RELAY_DELETE: mirror_senders.relay_delete,
        DeliveryKind.RELAY_REACT: mirror_senders.relay_react,
        DeliveryKind.RELAY_UNREACT: mirror_senders.relay_unreact,
    }
    missing = set(DeliveryKind) - set(table)
    if missing:
        raise RuntimeError(f"no sender for {sorted(missing)}")
    return {kind.value: sender for kind, sender in table.items()}
