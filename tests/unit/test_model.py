"""model.py is the schema: it is built from the contract file and nothing contradicts it."""

from __future__ import annotations

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
