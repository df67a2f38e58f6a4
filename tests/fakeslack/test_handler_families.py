"""The fake's handlers are filed as Slack files its methods: one module per method family."""

from tests.fakeslack.handlers import FAMILIES, HANDLERS


def test_each_handler_module_holds_exactly_one_method_family():
    for family in FAMILIES:
        name = family.__name__.rsplit(".", 1)[-1]
        assert family.HANDLERS, name
        assert {method.split(".")[0] for method in family.HANDLERS} == {name}
    assert sum(len(family.HANDLERS) for family in FAMILIES) == len(HANDLERS)
