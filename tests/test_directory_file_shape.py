"""Directory-file problems of YAML and shape (SPEC §5): empty files, syntax errors, unsafe
tags, alias bombs, wrong top-level types; each with its exact line number.
"""

from __future__ import annotations

import pytest

from tests.support.directory_text import PLATFORM, lines_of, only, problems

# --- YAML and file shape -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"])
def test_empty_file_is_a_single_problem(text: str) -> None:
    line, message = only(text)
    assert line == 1
    assert "empty" in message
    assert "orgs:" in message


def test_yaml_syntax_error_has_the_parser_line() -> None:
    line, message = only(PLATFORM + "   name: misindented\n")
    assert line == 5
    assert "not valid YAML" in message
    assert "indentation" in message


def test_unclosed_flow_list_is_a_syntax_error() -> None:
    assert lines_of("orgs: [\n\n") == [3]


def test_unsafe_tags_are_rejected() -> None:
    line, message = only("orgs: !!python/object/apply:os.system ['echo pwned']\n")
    assert line == 1
    assert "no tags" in message


def test_alias_bomb_is_rejected_quickly() -> None:
    """Aliases share nodes; nothing may expand them (messages, line maps, validation)."""
    bomb = ["b0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]" for i in range(1, 9)]
    found = problems("\n".join(bomb) + "\norgs: [*b8]\nusers: *b8\n")
    assert [line for line, _ in found[:9]] == list(range(1, 10))
    # an alias reports the line where its anchor's value is written
    assert found[9] == (9, "org #1 must be a mapping of keys to values, not a list")


def test_several_documents_are_rejected() -> None:
    line, message = only(PLATFORM + "---\nusers: []\n")
    assert line == 5
    assert "`---`" in message


def test_unprintable_character_is_located() -> None:
    line, message = only(PLATFORM + "users: []\n# bell \x07\n")
    assert line == 6
    assert "U+0007" in message


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n", "# only a comment\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    line, message = only(text)
    assert line == 1
    assert "must be a mapping" in message


def test_unknown_top_level_key() -> None:
    line, message = only(PLATFORM + "users: []\nuser: []\n")
    assert line == 6
    assert "unknown top-level key `user`" in message
    assert "did you mean `users`" in message


def test_missing_orgs() -> None:
    line, message = only("# comment\nusers: []\n")
    assert line == 1
    assert "no `orgs:` list" in message


@pytest.mark.parametrize("value", ["foo", "", "{a: 1}"])
def test_orgs_and_users_must_be_lists(value: str) -> None:
    found = problems(f"# header\norgs: {value}\nusers: {value}\n")
    assert [line for line, _ in found] == [2, 3]
    assert "`orgs:` must be a list" in found[0][1]
    assert "`users: []`" in found[1][1]


def test_duplicate_mapping_key() -> None:
    line, message = only(PLATFORM + "    name: Again\n")
    assert line == 5
    assert "`name` is written twice" in message
    assert "first at line 3" in message


def test_entry_that_is_not_a_mapping() -> None:
    assert problems(PLATFORM + "  - just-a-slug\n  -\n") == [
        (5, "org #2 must be a mapping of keys to values, not text"),
        (6, "org #3 is an empty item; fill it in or remove its `-`"),
    ]
