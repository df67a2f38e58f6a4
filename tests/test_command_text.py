"""`/ticket` text → typed commands (`bot.slack.command_text`): every subcommand, and every
malformed form answered with a message that names the fix and the subcommand's usage line.
Pure: no Slack, no database."""

from datetime import UTC, datetime

import pytest

from bot.slack import command_text as cmd
from core.rules.filters import FilterSpec
from core.rules.stages import Stage

PARSE_CASES = [
    ("", cmd.New()),
    ("   ", cmd.New()),
    ("new", cmd.New()),
    ("new Printer on fire", cmd.New(title="Printer on fire")),
    ("help", cmd.Help()),
    ("HELP", cmd.Help()),
    ("list", cmd.ListTickets("open")),
    ("list mine", cmd.ListTickets("mine")),
    ("list ALL", cmd.ListTickets("all")),
    ("show TKT-12", cmd.Show(12)),
    ("show tkt12", cmd.Show(12)),
    ("Show 12", cmd.Show(12)),
    ("assign TKT-3 me", cmd.Assign(3, None)),
    ("assign TKT-3 @me", cmd.Assign(3, None)),
    ("assign TKT-3 <@U0NINA>", cmd.Assign(3, "U0NINA")),
    ("assign TKT-3 <@W0NINA|nina>", cmd.Assign(3, "W0NINA")),
    ("stage TKT-4 WIP", cmd.ChangeStage(4, "WIP")),
    (
        "stage TKT-4 awaiting customer response",
        cmd.ChangeStage(4, "awaiting customer response"),
    ),
    ("severity TKT-5 blocker", cmd.SetSeverity(5, "blocker")),
    ("escalate TKT-6", cmd.Escalate(6, None)),
    ("escalate TKT-6 needs a product fix", cmd.Escalate(6, "needs a product fix")),
    ("deescalate TKT-6", cmd.Deescalate(6, None)),
    ("deescalate TKT-6 fixed upstream", cmd.Deescalate(6, "fixed upstream")),
    ("note TKT-7 called them back", cmd.Note(7, "called them back")),
    ("link TKT-8 TKT-9", cmd.Link(8, 9)),
    ("tag TKT-2 +billing -ui", cmd.Tag(2, ("billing",), ("ui",))),
    ("tag TKT-2 +a,+b", cmd.Tag(2, ("a", "b"), ())),
    ("subscribe TKT-1", cmd.Subscribe(1, subscribed=True)),
    ("unsubscribe TKT-1", cmd.Subscribe(1, subscribed=False)),
    ("search printer on fire", cmd.Search("printer on fire")),
    ("export csv", cmd.Export("csv")),
    ("export JSON", cmd.Export("json")),
    (
        "export csv stage:WIP org:contoso since:2024-03-01",
        cmd.Export(
            "csv",
            FilterSpec(
                stages=(Stage.WORK_IN_PROGRESS,),
                org="contoso",
                since=datetime(2024, 3, 1, tzinfo=UTC),
            ),
        ),
    ),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES)
def test_every_subcommand_parses(text, expected):
    assert cmd.parse(text) == expected


def test_every_subcommand_has_a_usage_line_and_a_case_above():
    assert set(cmd.USAGE) == set(cmd._PARSERS)
    assert {text.split()[0].lower() for text, _ in PARSE_CASES if text.strip()} == set(cmd.USAGE)
    assert all(usage.startswith(f"/ticket {verb}") for verb, usage in cmd.USAGE.items())


@pytest.mark.parametrize(
    ("text", "message", "verb"),
    [
        ("list someday", "`someday` is not a list scope.", "list"),
        ("show", "`show` needs a ticket id.", "show"),
        ("show banana", "`banana` is not a ticket id (like TKT-12).", "show"),
        ("show TKT-1 TKT-2", "Unexpected `TKT-2` after `show`.", "show"),
        ("assign TKT-1", "`assign` needs more after the ticket id.", "assign"),
        (
            "assign TKT-1 nina",
            "`nina` is not a person. Mention them with @ (pick from the list Slack offers) "
            "or write `me`.",
            "assign",
        ),
        ("stage TKT-1", "`stage` needs more after the ticket id.", "stage"),
        ("stage WIP", "`WIP` is not a ticket id (like TKT-12).", "stage"),
        ("severity TKT-1", "`severity` needs more after the ticket id.", "severity"),
        ("escalate", "`escalate` needs a ticket id.", "escalate"),
        ("deescalate x", "`x` is not a ticket id (like TKT-12).", "deescalate"),
        ("note TKT-1", "`note` needs more after the ticket id.", "note"),
        ("link TKT-1", "`link` needs more after the ticket id.", "link"),
        ("link TKT-1 two", "`two` is not a ticket id (like TKT-12).", "link"),
        ("link TKT-1 TKT-2 TKT-3", "Unexpected `TKT-3` after `link`.", "link"),
        ("tag TKT-1", "`tag` needs more after the ticket id.", "tag"),
        ("tag TKT-1 billing", "`billing`: put + before a tag to add it, - to remove it.", "tag"),
        ("tag TKT-1 +", "`+`: put + before a tag to add it, - to remove it.", "tag"),
        ("subscribe", "`subscribe` needs a ticket id.", "subscribe"),
        ("unsubscribe TKT-1 now", "Unexpected `now` after `unsubscribe`.", "unsubscribe"),
        ("search", "`search` needs some words to look for.", "search"),
        ("export", "`export` needs a format: csv or json.", "export"),
        ("export xml", "`export` needs a format: csv or json.", "export"),
        (
            "export csv colour:red",
            "`colour:red` is not a filter; use key:value with key one of stage, state, "
            "severity, tag, org, since.",
            "export",
        ),
        ("export csv owner:me", "`owner:me` is not a filter; use key:value", "export"),
        ("export csv since:yesterday", "'yesterday' is not a date; use YYYY-MM-DD.", "export"),
        ("export json stage:done", "'done' is not a stage. Use one of:", "export"),
        ("export csv state:asleep", "'asleep' is not a state. Use one of:", "export"),
        ("export csv severity:urgent", "'urgent' is not a valid severity.", "export"),
        ("export csv tag:a,b", "'a,b' is not a valid tag.", "export"),
    ],
)
def test_a_malformed_command_names_the_fix_and_the_usage(text, message, verb):
    with pytest.raises(cmd.CommandSyntaxError) as caught:
        cmd.parse(text)
    assert caught.value.message.startswith(message)
    assert caught.value.usage == cmd.USAGE[verb]


def test_an_unknown_subcommand_gets_the_whole_help():
    with pytest.raises(cmd.CommandSyntaxError) as caught:
        cmd.parse("frobnicate TKT-1")
    assert caught.value.message == "I don't know the subcommand `frobnicate`."
    assert caught.value.usage is None
