"""The synthetic export: valid, deterministic, and hard in the documented ways."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
