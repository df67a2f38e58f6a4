"""The layering contract the built-in import-linter types cannot state, checked on a sample.

`make lint` runs every contract in pyproject.toml over the real tree; this proves the custom
one tells an `AsyncSession` import from a query being built, so a kept contract means
something.
"""

from pathlib import Path

import grimp
import pytest

from tests.support.import_contracts import ExternalSubmodulesContract, imported_modules

SAMPLE = {
    "__init__.py": "",
    "listeners/__init__.py": "",
    "listeners/typed.py": "from sqlalchemy.ext.asyncio import AsyncSession\n",
    "listeners/deep.py": "import sqlalchemy.ext.asyncio.session as s\n",
    "services.py": "from sqlalchemy import select\n",  # outside the listeners: allowed
}


def _check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **extra: str):
    package = tmp_path / "sample_app"
    for name, text in {**SAMPLE, **extra}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("sample_app", include_external_packages=True, cache_dir=None)
    contract = ExternalSubmodulesContract(
        name="listeners build no queries",
        session_options={"include_external_packages": "True"},
        contract_options={
            "source_modules": ["sample_app.listeners"],
            "forbidden_package": "sqlalchemy",
            "allowed_submodules": ["sqlalchemy.ext.asyncio"],
        },
    )
    return contract.check(graph, verbose=False)


def test_the_session_type_alone_keeps_the_contract(tmp_path, monkeypatch):
    check = _check(tmp_path, monkeypatch)
    assert check.kept, check.metadata


@pytest.mark.parametrize(
    "line",
    [
        "from sqlalchemy import select",
        "import sqlalchemy",
        "from sqlalchemy.orm import joinedload",
        "from sqlalchemy.ext.asyncio import AsyncSession\nfrom sqlalchemy.exc import DBAPIError",
    ],
)
def test_a_listener_reaching_for_sqlalchemy_breaks_it(tmp_path, monkeypatch, line):
    check = _check(tmp_path, monkeypatch, **{"listeners/queries.py": line + "\n"})
    assert not check.kept
    assert [v["importer"] for v in check.metadata["violations"]] == ["sample_app.listeners.queries"]
    assert check.metadata["violations"][0]["code"] == line.splitlines()[-1]


def test_import_lines_name_their_modules():
    assert imported_modules("from sqlalchemy.ext.asyncio import AsyncSession") == [
        "sqlalchemy.ext.asyncio"
    ]
    assert imported_modules("import sqlalchemy.orm as orm, sqlalchemy.exc") == [
        "sqlalchemy.orm",
        "sqlalchemy.exc",
    ]
    assert imported_modules("from sqlalchemy import (") == ["sqlalchemy"]
