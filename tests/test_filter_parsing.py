"""The ticket-filter parser every surface shares (`core.rules.filters`): each key, each
malformed form, and the message that names the fix. Pure: no database."""

from datetime import UTC, datetime

import pytest

from core.errors import ValidationError
from core.models.tickets import Severity
from core.rules.filters import (
    FILTER_KEYS,
    LIST_SCOPES,
    ME,
    OPEN_STATES,
    FilterSpec,
    parse_filter_words,
    parse_filters,
)
from core.rules.stages import Stage, State


def test_nothing_given_is_no_filter():
    assert parse_filters({}) == FilterSpec()
    assert parse_filter_words([]) == FilterSpec()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"stage": "WIP"}, FilterSpec(stages=(Stage.WORK_IN_PROGRESS,))),
        (
            {"stage": "awaiting customer response"},
            FilterSpec(stages=(Stage.AWAITING_CUSTOMER_RESPONSE,)),
        ),
        ({"state": "In_Progress"}, FilterSpec(states=(State.IN_PROGRESS,))),
        ({"severity": "Blocker"}, FilterSpec(severity=Severity.BLOCKER)),
        ({"tag": "#Billing"}, FilterSpec(tag="billing")),
        ({"org": "contoso"}, FilterSpec(org="contoso")),
        ({"owner": "me"}, FilterSpec(owner=ME)),
        ({"owner": "nina@northwind.example"}, FilterSpec(owner="nina@northwind.example")),
        ({"since": "2024-03-01"}, FilterSpec(since=datetime(2024, 3, 1, tzinfo=UTC))),
    ],
)
def test_every_key_parses_to_its_typed_value(values, expected):
    assert parse_filters(values) == expected


def test_keys_combine():
    spec = parse_filters({"stage": "Q", "org": "acme", "since": "2024-01-31", "tag": "ui"})
    assert spec == FilterSpec(
        stages=(Stage.QUEUED,),
        org="acme",
        since=datetime(2024, 1, 31, tzinfo=UTC),
        tag="ui",
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"stage": "done"}, "stage", "'done' is not a stage. Use one of: queued (Q)"),
        ({"state": "asleep"}, "state", "'asleep' is not a state. Use one of: open, in_progress"),
        ({"severity": "urgent"}, "severity", "'urgent' is not a valid severity. Use one of: low"),
        ({"tag": "two words"}, "tag", "'two words' is not a valid tag."),
        ({"since": "01/03/2024"}, "since", "'01/03/2024' is not a date; use YYYY-MM-DD."),
        ({"since": "2024-02-30"}, "since", "'2024-02-30' is not a date; use YYYY-MM-DD."),
        ({"colour": "red"}, "colour", "'colour' is not a filter. Use one of: stage, state"),
    ],
)
def test_a_bad_value_names_its_field_and_the_accepted_forms(values, field, message):
    with pytest.raises(ValidationError) as caught:
        parse_filters(values)
    assert caught.value.field == field
    assert caught.value.message.startswith(message)


def test_words_are_key_colon_value_case_insensitive_keys_last_one_wins():
    spec = parse_filter_words(["STAGE:wip", "org:Contoso", "org:acme", "since:2024-03-01"])
    assert spec == FilterSpec(
        stages=(Stage.WORK_IN_PROGRESS,), org="acme", since=datetime(2024, 3, 1, tzinfo=UTC)
    )


@pytest.mark.parametrize("word", ["colour:red", "stage", "stage:", ":wip", "org=acme"])
def test_a_malformed_word_names_the_form_and_the_keys(word):
    with pytest.raises(ValidationError) as caught:
        parse_filter_words([word])
    assert caught.value.message == (
        f"`{word}` is not a filter; use key:value with key one of {', '.join(FILTER_KEYS)}."
    )


def test_words_accept_only_the_keys_given():
    keys = ("stage", "org")
    assert parse_filter_words(["org:acme"], keys=keys) == FilterSpec(org="acme")
    with pytest.raises(ValidationError, match="key one of stage, org"):
        parse_filter_words(["owner:me"], keys=keys)


def test_words_check_each_value_like_the_other_surfaces():
    with pytest.raises(ValidationError, match="'soon' is not a date") as caught:
        parse_filter_words(["since:soon"])
    assert caught.value.field == "since"


def test_list_scopes_are_filters():
    assert LIST_SCOPES["open"] == FilterSpec(states=OPEN_STATES)
    assert LIST_SCOPES["mine"] == FilterSpec(states=OPEN_STATES, owner=ME)
    assert LIST_SCOPES["all"] == FilterSpec()
    assert set(OPEN_STATES) == {State.OPEN, State.IN_PROGRESS}
