"""model.py is the schema: it is built from the contract file and nothing contradicts it."""

from __future__ import annotations

from pathlib import Path

from graphfraud import model
from graphfraud.loaders.spec import contract


def test_every_contract_table_has_its_kind_in_the_model() -> None:
    tables = contract()
    nodes = {k.table for k in model.NODE_KINDS}
    links = {k.table for k in model.LINK_KINDS}
    assert nodes == {name for name, spec in tables.items() if spec.kind == "node"}
    assert links == {name for name, spec in tables.items() if spec.kind == "link"}
    for link in model.LINK_KINDS:
        spec = tables[link.table]
        assert (link.start_column, link.end_column) == spec.key
        assert spec.column(link.start_column).ref == link.start.entity_type
        assert spec.column(link.end_column).ref == link.end.entity_type


def test_actor_and_identifier_codes_are_positions_in_their_role() -> None:
    assert [k.code for k in model.ACTOR_KINDS] == list(range(len(model.ACTOR_KINDS)))
    assert [k.code for k in model.IDENTIFIER_KINDS] == list(range(len(model.IDENTIFIER_KINDS)))
    assert {k.entity_type for k in model.ACTOR_KINDS} == {"merchant", "streamer"}
    assert all(link.start.role is model.Role.ACTOR for link in model.LINK_KINDS)
    assert model.PROMOTION.rel is model.RelType.PROMOTED


def test_labels_of_entity_kinds_are_model_labels() -> None:
    assert {k.label.value for k in model.NODE_KINDS} <= model.ALL_LABELS
    assert {k.rel.value for k in model.LINK_KINDS} <= model.ALL_REL_TYPES


def test_risk_and_pattern_serialise_as_their_contract_strings() -> None:
    import json

    assert json.dumps([model.Risk.HIGH, model.Pattern.DEVICE_FARM]) == '["high", "device_farm"]'
    assert [r.value for r in model.Risk] == ["high", "medium", "low"]


def test_organisations_are_a_kind_of_their_own_neither_actors_nor_identifiers() -> None:
    tables = contract()
    org, membership = model.ORGANIZATION, model.MEMBERSHIP
    assert (org.table, org.label, org.key, org.role) == (
        "organizations", model.Label.ORGANIZATION, "organization_id", model.Role.ORGANIZATION)
    assert org not in model.ACTOR_KINDS + model.IDENTIFIER_KINDS
    assert org.entity_type not in model.ENTITY_KINDS  # labels and rings never name one
    assert all(org not in (link.start, link.end) for link in model.LINK_KINDS)
    assert {k.table for k in model.MEMBERSHIP_KINDS} == {
        name for name, spec in tables.items() if spec.kind == "membership"}
    spec = tables[membership.table]
    assert (membership.organization_column, membership.type_column,
            membership.id_column) == spec.key
    assert spec.column(membership.organization_column).ref == org.entity_type
    assert membership.members == model.ACTOR_KINDS
    assert membership.rel is model.RelType.MEMBER_OF
    assert org.label.value in model.ALL_LABELS and "MEMBER_OF" in model.ALL_REL_TYPES


def test_declared_organisations_leave_the_actor_graph_as_it_is(tmp_path: Path) -> None:
    from graphfraud.graph.projection import project
    from graphfraud.loaders import read_dataset
    from graphfraud.synth import SynthConfig, generate

    generate(tmp_path, SynthConfig(scale=0.05, seed=3))
    assert (tmp_path / "organization_members.csv").exists()
    dataset = read_dataset(tmp_path).dataset
    assert len(dataset.tables["organization_members"])
    bare = read_dataset(tmp_path).dataset
    del bare.tables["organizations"], bare.tables["organization_members"]
    a, b = project(dataset), project(bare)
    assert a.actor_ids.tolist() == b.actor_ids.tolist()
    assert a.identifier_ids.tolist() == b.identifier_ids.tolist()
    assert (a.incidence != b.incidence).nnz == 0
