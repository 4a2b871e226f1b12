"""The synthetic export: valid, deterministic, and hard in the documented ways."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graphfraud.errors import UsageError
from graphfraud.loaders import read_dataset
from graphfraud.synth import SynthConfig, generate


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, SynthConfig(scale=1, seed=11))
    return out


@pytest.fixture(scope="module")
def truth(export: Path) -> dict:
    return json.loads((export / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def tables(export: Path) -> dict[str, pd.DataFrame]:
    result = read_dataset(export)
    assert result.rejects == []  # the generator speaks the contract exactly
    return result.dataset.tables


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path, export: Path) -> None:
    generate(tmp_path / "a", SynthConfig(scale=0.2, seed=3))
    generate(tmp_path / "b", SynthConfig(scale=0.2, seed=3))
    generate(tmp_path / "c", SynthConfig(scale=0.2, seed=4))
    for name in ("merchants.csv", "promotions.csv", "ground_truth.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "merchants.csv").read_bytes() != (
        tmp_path / "c" / "merchants.csv").read_bytes()


def test_scale_one_is_about_ten_thousand_actors(tables: dict[str, pd.DataFrame]) -> None:
    actors = len(tables["merchants"]) + len(tables["streamers"])
    assert 9_000 <= actors <= 11_000


def test_every_typology_is_planted_with_real_members(truth: dict, tables) -> None:  # type: ignore[no-untyped-def]
    assert {r["typology"] for r in truth["rings"]} == {
        "device_farm", "shared_settlement", "ban_evasion", "host_collusion", "mixed"}
    merchants = set(tables["merchants"]["merchant_id"])
    for ring in truth["rings"]:
        ids = [m["id"] for m in ring["members"] if m["type"] == "merchant"]
        assert len(ids) >= 3 and set(ids) <= merchants


def test_hubs_are_heavy_tailed_and_mostly_innocent(truth: dict, tables) -> None:  # type: ignore[no-untyped-def]
    degree = tables["merchant_devices"].groupby("device_id").size()
    assert degree.max() >= 100  # internet-cafe style hubs exist
    assert degree.median() <= 1  # most devices belong to one shop
    fraud = {m["id"] for r in truth["rings"] for m in r["members"]}
    hub = degree.idxmax()
    users = set(tables["merchant_devices"].loc[lambda d: d.device_id == hub, "merchant_id"])
    assert len(users & fraud) / len(users) < 0.2
    kinds = tables["payment_accounts"].set_index("account_id")["kind"]
    acc_degree = tables["merchant_accounts"].groupby("account_id").size()
    assert kinds.get(acc_degree.idxmax()) == "aggregator"


def test_lookalikes_and_unlabelled_rings_exist(truth: dict, tables) -> None:  # type: ignore[no-untyped-def]
    assert {g["kind"] for g in truth["lookalikes"]} == {"agency", "franchise"}
    fraud_labels = set(tables["labels"].loc[lambda d: d.label == "fraud", "entity_id"])
    unlabelled = [r for r in truth["rings"]
                  if not {m["id"] for m in r["members"]} & fraud_labels]
    assert 0.15 <= len(unlabelled) / len(truth["rings"]) <= 0.6
    innocent = set(tables["merchants"]["merchant_id"]) - {
        m["id"] for r in truth["rings"] for m in r["members"]}
    assert fraud_labels & innocent  # the blacklist is slightly wrong


def _auc(scores: np.ndarray, positive: np.ndarray) -> float:
    ranks = pd.Series(scores).rank().to_numpy()
    n_pos, n_neg = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def test_no_single_signal_separates_fraud(truth: dict, tables) -> None:  # type: ignore[no-untyped-def]
    fraud = {m["id"] for r in truth["rings"] for m in r["members"]}
    sig = tables["merchant_signals"].copy()
    positive = sig["merchant_id"].isin(fraud).to_numpy()
    orders = sig["orders"].astype(float).clip(lower=1).to_numpy()
    features = {
        "refund_rate": sig["refunds"].astype(float).to_numpy() / orders,
        "complaints": sig["complaints"].astype(float).to_numpy(),
        "violations": sig["violations"].astype(float).to_numpy(),
    }
    for name, values in features.items():
        auc = _auc(values, positive)
        assert 0.5 < auc < 0.85, (name, auc)  # informative, but far from a giveaway
    merchants = tables["merchants"]
    banned = merchants["status"].eq("banned").to_numpy()
    is_fraud = merchants["merchant_id"].isin(fraud).to_numpy()
    assert banned[~is_fraud].sum() > banned[is_fraud].sum()  # most banned shops are no ring


# -- structure-only mode --------------------------------------------------------------

STRUCTURE_FILES = {"merchants.csv", "devices.csv", "payment_accounts.csv",
                   "merchant_devices.csv", "merchant_accounts.csv", "labels.csv",
                   "organizations.csv", "organization_members.csv", "ground_truth.json"}
TIMESTAMP_COLUMNS = {"registered_at", "first_seen", "last_seen", "labeled_at", "first_at",
                     "last_at", "since"}


@pytest.fixture(scope="module")
def structure_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("structure")
    generate(out, SynthConfig(scale=1, seed=21, structure_only=True))
    return out


@pytest.fixture(scope="module")
def structure_truth(structure_export: Path) -> dict:
    return json.loads((structure_export / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def structure_tables(structure_export: Path) -> dict[str, pd.DataFrame]:
    result = read_dataset(structure_export)
    assert result.rejects == []
    return result.dataset.tables


def _ring_members(truth: dict) -> list[set[str]]:
    return [{m["id"] for m in r["members"]} for r in truth["rings"]]


def test_structure_only_has_no_streamers_signals_or_timestamps(
        structure_export: Path, structure_tables: dict[str, pd.DataFrame]) -> None:
    assert {p.name for p in structure_export.iterdir()} == STRUCTURE_FILES
    for name in STRUCTURE_FILES - {"ground_truth.json"}:
        header = (structure_export / name).read_text("utf-8").splitlines()[0]
        columns = {c.strip('"') for c in header.split(",")}
        assert not columns & (TIMESTAMP_COLUMNS | {"status", "logins"}), (name, columns)
    assert not {"streamers", "promotions", "merchant_signals", "streamer_devices",
                "streamer_accounts"} & {k for k, v in structure_tables.items() if len(v)}
    for table in structure_tables.values():  # absent columns read back as missing
        for column in TIMESTAMP_COLUMNS & set(table.columns):
            assert table[column].isna().all()
    assert len(structure_tables["merchants"]) == 10_000
    assert set(structure_tables["labels"]["entity_type"]) == {"merchant"}


def test_structure_only_rings_span_the_size_bands(
        structure_truth: dict, structure_tables: dict[str, pd.DataFrame]) -> None:
    sizes = [len(r["members"]) for r in structure_truth["rings"]]
    assert any(5 <= s < 40 for s in sizes)
    assert any(40 <= s < 120 for s in sizes)
    assert any(120 <= s < 400 for s in sizes)
    assert max(sizes) < 400 and min(sizes) >= 5
    merchants = set(structure_tables["merchants"]["merchant_id"])
    for ring in structure_truth["rings"]:
        assert {m["type"] for m in ring["members"]} == {"merchant"}
        assert {m["id"] for m in ring["members"]} <= merchants
        assert ring["devices"] and ring["accounts"]
    assert 0.08 <= sum(sizes) / len(merchants) <= 0.15


def test_structure_only_rings_share_identifiers_densely(
        structure_truth: dict, structure_tables: dict[str, pd.DataFrame]) -> None:
    links = pd.concat([
        structure_tables["merchant_devices"].rename(columns={"device_id": "ident"}),
        structure_tables["merchant_accounts"].rename(columns={"account_id": "ident"}),
    ])[["merchant_id", "ident"]]
    for ring in structure_truth["rings"]:
        members = {m["id"] for m in ring["members"]}
        own = links[links["ident"].isin(set(ring["devices"]) | set(ring["accounts"]))]
        assert set(own["merchant_id"]) == members  # every member touches the ring
        # one connected piece through the ring's own devices and accounts
        graph = nx.Graph()
        graph.add_nodes_from(members)
        graph.add_edges_from(zip(own["merchant_id"], "ident:" + own["ident"], strict=True))
        assert nx.is_connected(graph), ring["ring"]
        assert len(own) / own["ident"].nunique() >= 2  # identifiers are shared, not private


def test_structure_only_camouflage_reaches_busy_outside_identifiers(
        structure_truth: dict, structure_tables: dict[str, pd.DataFrame]) -> None:
    fraud = structure_tables["merchants"]["merchant_id"].isin(
        set().union(*_ring_members(structure_truth))).to_numpy()
    merchants = structure_tables["merchants"]["merchant_id"].to_numpy()
    devices = structure_tables["merchant_devices"]
    users = devices.groupby("device_id")["merchant_id"].nunique()
    on_hub = np.isin(merchants, devices.loc[
        devices["device_id"].isin(users[users >= 25].index), "merchant_id"])
    kinds = structure_tables["payment_accounts"].set_index("account_id")["kind"]
    accounts = structure_tables["merchant_accounts"]
    on_agg = np.isin(merchants, accounts.loc[
        accounts["account_id"].map(kinds).eq("aggregator"), "merchant_id"])
    for used in (on_hub, on_agg):
        # innocents use internet cafes and aggregators too; ring members more often
        assert used[~fraud].mean() > 0.05
        assert used[fraud].mean() > used[~fraud].mean() + 0.07
    assert (on_hub & fraud).sum() < (on_hub & ~fraud).sum()  # the hubs stay mostly innocent


def test_structure_only_labels_are_sparse_and_some_rings_dark(
        structure_truth: dict, structure_tables: dict[str, pd.DataFrame]) -> None:
    labels = structure_tables["labels"]
    fraud_labels = set(labels.loc[labels["label"] == "fraud", "entity_id"])
    rings = _ring_members(structure_truth)
    members = set().union(*rings)
    assert abs(len(fraud_labels & members) / len(members) - 0.10) < 0.01
    dark = [r for r in rings if not r & fraud_labels]
    assert dark and len(dark) < len(rings)
    assert any(len(r) >= 40 for r in rings if r & fraud_labels)
    legit = set(labels.loc[labels["label"] == "legit", "entity_id"])
    assert len(legit - members) >= 50  # real users cleared by investigators
    assert not legit & members
    assert {g["kind"] for g in structure_truth["lookalikes"]} == {"agency", "franchise"}
    lookalike_members = {m["id"] for g in structure_truth["lookalikes"] for m in g["members"]}
    assert not lookalike_members & members


def test_structure_only_is_deterministic_and_guards_its_directory(tmp_path: Path) -> None:
    config = SynthConfig(scale=0.3, seed=8, structure_only=True)
    generate(tmp_path / "a", config)
    generate(tmp_path / "b", config)
    for name in STRUCTURE_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    generate(tmp_path / "c", SynthConfig(scale=0.3, seed=8))
    with pytest.raises(UsageError, match=r"streamers\.csv"):  # would mix two exports
        generate(tmp_path / "c", config)


def test_default_mode_is_untouched_by_the_structure_knobs(tmp_path: Path, export: Path,
                                                          truth: dict) -> None:
    assert {p.name for p in export.iterdir()} == STRUCTURE_FILES | {
        "streamers.csv", "streamer_devices.csv", "streamer_accounts.csv", "promotions.csv",
        "merchant_signals.csv"}
    assert "registered_at" in (export / "merchants.csv").read_text("utf-8").splitlines()[0]
    assert max(len(r["members"]) for r in truth["rings"]) <= 45  # 40 shops + a few hosts
    assert "mode" not in truth
    generate(tmp_path / "a", SynthConfig(scale=0.2, seed=3))
    generate(tmp_path / "b", SynthConfig(scale=0.2, seed=3, structure_ring_share=0.3,
                                         structure_label_rate=0.5,
                                         structure_unlabelled_ring_share=0.9))
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_synth_command_structure_only(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from graphfraud.cli import cli

    out = tmp_path / "export"
    result = CliRunner().invoke(cli, ["synth", str(out), "--seed", "2", "--scale", "0.2",
                                      "--structure-only", "-q"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == STRUCTURE_FILES
    assert json.loads((out / "ground_truth.json").read_text())["mode"] == "structure_only"


def test_about_half_the_look_alikes_are_declared_organisations(export: Path,
                                                                truth: dict) -> None:
    import csv

    with (export / "organization_members.csv").open(encoding="utf-8") as fh:
        declared = {(r["entity_type"], r["entity_id"]) for r in csv.DictReader(fh)}
    with (export / "organizations.csv").open(encoding="utf-8") as fh:
        orgs = list(csv.DictReader(fh))
    groups = truth["lookalikes"]
    yes = [g for g in groups if g["declared"]]
    assert 0 < len(yes) < len(groups) and len(orgs) == len(yes)
    assert all(o["verified"] == "true" and o["kind"] in ("mcn_agency", "franchise")
               for o in orgs)
    for g in groups:  # exactly the declared groups' members are listed
        members = {(m["type"], m["id"]) for m in g["members"]}
        assert (members <= declared) == g["declared"]
        assert g["declared"] or not members & declared


# -- Parquet ---------------------------------------------------------------------------


def test_a_parquet_export_scans_to_the_rings_of_the_csv_export(tmp_path: Path) -> None:
    """`synth --format parquet` writes the tables of the CSV export of the same seed (the
    same stems, columns and rows), and a scan of it finds the same rings."""
    from click.testing import CliRunner

    from graphfraud.cli import cli

    runner = CliRunner()
    for fmt in ("csv", "parquet"):
        result = runner.invoke(cli, ["synth", str(tmp_path / fmt), "--seed", "5", "--scale",
                                     "0.5", "--format", fmt, "-q"])
        assert result.exit_code == 0, result.output
        assert "merchants." + fmt in result.output
    stems = {p.stem for p in (tmp_path / "csv").glob("*.csv")}
    assert stems and stems == {p.stem for p in (tmp_path / "parquet").glob("*.parquet")}
    assert not list((tmp_path / "parquet").glob("*.csv"))
    csv_tables = read_dataset(tmp_path / "csv").dataset.tables
    parquet = read_dataset(tmp_path / "parquet")
    assert parquet.rejects == []
    for name, table in csv_tables.items():
        pd.testing.assert_frame_equal(parquet.dataset.tables[name], table)
    rings = {}
    for fmt in ("csv", "parquet"):
        result = runner.invoke(cli, ["scan", str(tmp_path / fmt), "--out",
                                     str(tmp_path / f"out-{fmt}"), "-q"])
        assert result.exit_code == 0, result.output
        rings[fmt] = json.loads((tmp_path / f"out-{fmt}" / "rings.json").read_text())["rings"]
    assert rings["csv"] and rings["parquet"] == rings["csv"]


def test_synth_refuses_a_folder_holding_the_other_format(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from graphfraud.cli import cli

    generate(tmp_path, SynthConfig(scale=0.1, seed=1))
    result = CliRunner().invoke(cli, ["synth", str(tmp_path), "--scale", "0.1",
                                      "--format", "parquet"])
    assert result.exit_code == 2
    assert f"{tmp_path} already holds merchants.csv" in result.output
    assert not list(tmp_path.glob("*.parquet"))
    with pytest.raises(UsageError, match="unknown file format 'xlsx'"):
        generate(tmp_path / "x", SynthConfig(scale=0.1), file_format="xlsx")
