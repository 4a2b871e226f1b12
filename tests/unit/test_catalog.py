"""The Cypher library ships with the package, is parameterised, and uses the closed model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphfraud import model
from graphfraud.errors import GraphFraudError
from graphfraud.loaders.spec import contract
from graphfraud.store import catalog

ALL = catalog.all_names()


def test_catalog_loads_every_file_from_the_installed_package() -> None:
    assert len(catalog.names("writer/schema")) >= 6
    assert len(catalog.names("queries")) >= 12
    assert all(catalog.statement(name).strip() for name in ALL)
    with pytest.raises(GraphFraudError, match="no Cypher statement named 'writer/load/nope'"):
        catalog.statement("writer/load/nope")


def test_installed_package_ships_every_cypher_file_of_the_checkout() -> None:
    source = Path(__file__).resolve().parents[2] / "graphfraud" / "cypher"
    in_checkout = {
        str(p.relative_to(source).with_suffix("")) for p in source.rglob("*.cypher")
    }
    assert in_checkout and set(ALL) == in_checkout


def test_each_cypher_folder_is_named_after_the_module_that_reads_it() -> None:
    import graphfraud

    package = Path(graphfraud.__file__).parent
    folders = {name.split("/")[0] for name in ALL}
    for folder in folders:
        owner = package / "store" / f"{folder}.py"
        assert owner.is_file(), f"cypher/{folder}/ has no reader module store/{folder}.py"
        assert re.search(rf"[\"']{folder}[/\"']", owner.read_text("utf-8")), \
            f"store/{folder}.py never reads it"


def test_every_table_of_the_contract_has_a_load_statement() -> None:
    names = set(catalog.names("writer/load"))
    for spec in contract().values():
        if spec.kind == "labels":
            for entity in model.ENTITY_KINDS:
                assert f"writer/load/labels_{entity}" in names
        elif spec.kind == "membership":
            for kind in model.MEMBERSHIP.members:
                assert f"writer/load/{spec.name}_{kind.entity_type}" in names
        else:
            assert f"writer/load/{spec.name}" in names


@pytest.mark.parametrize("name", ALL)
def test_statement_uses_only_model_labels_and_types(name: str) -> None:
    text = re.sub(r"//.*", "", catalog.statement(name))
    text = re.sub(r"'[^']*'", "''", text)  # string literals are not names
    labels = set(re.findall(r"[\w(]:([A-Z][a-z]\w*)", text))
    rels = set(re.findall(r"[\[|]:?([A-Z][A-Z_]+)\b", text))
    assert labels <= model.ALL_LABELS, labels - model.ALL_LABELS
    assert rels <= model.ALL_REL_TYPES, rels - model.ALL_REL_TYPES
    assert ";" not in text.strip().rstrip(";")  # one statement per file


@pytest.mark.parametrize("name", catalog.names("writer/load"))
def test_load_statements_are_parameterised_merges(name: str) -> None:
    text = catalog.statement(name)
    assert "UNWIND $rows AS row" in text
    assert "CREATE " not in text  # MERGE, so a reload never duplicates
    assert not re.search(r"\{\s*[a-z_]+\s*\}", re.sub(r"//.*", "", text))  # no format holes


def test_every_table_of_the_contract_has_a_remove_statement() -> None:
    """The batch job removes rows that left the export, whatever the table."""
    names = set(catalog.names("writer/remove"))
    for spec in contract().values():
        if spec.kind == "labels":
            expected = {f"writer/remove/labels_{entity}" for entity in model.ENTITY_KINDS}
        elif spec.kind == "membership":
            expected = {f"writer/remove/{spec.name}_{kind.entity_type}"
                        for kind in model.MEMBERSHIP.members}
        else:
            expected = {f"writer/remove/{spec.name}"}
        assert expected <= names, expected - names


def test_the_graph_is_read_back_with_its_declared_organisations() -> None:
    names = set(catalog.names("reader"))
    assert {f"reader/{model.ORGANIZATION.table}", f"reader/{model.MEMBERSHIP.table}"} <= names
    assert "writer/schema/organization_key" in catalog.names("writer/schema")
