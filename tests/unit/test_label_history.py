"""labels.csv is a history of label events: the latest stands, every row is kept."""

from __future__ import annotations

from pathlib import Path

from conftest import write_csv
from graphfraud.loaders import read_dataset

MERCHANTS = "merchant_id\nm1\nm2\nm3\n"


def _load(tmp_path: Path, labels: str):  # type: ignore[no-untyped-def]
    d = tmp_path / "d"
    write_csv(d, "merchants.csv", MERCHANTS)
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source,labeled_at\n" + labels)
    return read_dataset(d)


def _standing(loaded) -> dict[str, str]:  # type: ignore[no-untyped-def]
    labels = loaded.dataset.tables["labels"]
    return dict(zip(labels["entity_id"], labels["label"], strict=True))


def test_a_later_clearing_stands_over_an_earlier_blacklisting(tmp_path: Path) -> None:
    loaded = _load(tmp_path, "merchant,m1,fraud,platform,2024-03-01\n"
                             "merchant,m1,legit,investigator,2024-06-01\n")
    assert _standing(loaded) == {"m1": "legit"}
    assert loaded.rejects == []
    report = next(f for f in loaded.files if f.table == "labels")
    assert (report.rows, report.loaded, report.rejected, report.merged) == (2, 2, 0, 1)
    assert len(loaded.dataset.label_history) == 2


def test_the_latest_date_stands_whatever_the_row_order(tmp_path: Path) -> None:
    loaded = _load(tmp_path, "merchant,m1,legit,investigator,2024-06-01\n"
                             "merchant,m1,fraud,platform,2024-03-01\n")
    assert _standing(loaded) == {"m1": "legit"}


def test_without_dates_the_last_row_stands(tmp_path: Path) -> None:
    loaded = _load(tmp_path, "merchant,m2,legit,,\nmerchant,m2,fraud,,\nmerchant,m3,fraud,,\n")
    assert _standing(loaded) == {"m2": "fraud", "m3": "fraud"}


def test_each_distinct_event_is_one_audit_record_with_a_stable_id(tmp_path: Path) -> None:
    rows = ("merchant,m1,fraud,platform,2024-03-01\n"
            "merchant,m1,legit,investigator,2024-06-01\n"
            "merchant,m1,fraud,platform,2024-03-01\n"  # the same event again
            "merchant,m2,fraud,,\n")
    events = _load(tmp_path, rows).dataset.label_events()
    assert list(events["entity_id"]) == ["m1", "m1", "m2"]
    assert list(events["label"]) == ["fraud", "legit", "fraud"]
    assert events["verdict_id"].str.fullmatch(r"L-[0-9a-f]{16}").all()
    again = _load(tmp_path / "again", rows).dataset.label_events()
    assert list(again["verdict_id"]) == list(events["verdict_id"])  # a reload adds nothing
    moved = _load(tmp_path / "moved", rows.replace("2024-06-01", "2024-06-02"))
    assert moved.dataset.label_events()["verdict_id"].iloc[1] != events["verdict_id"].iloc[1]


def test_a_batch_difference_carries_the_history_of_changed_labels_only(
    tmp_path: Path,
) -> None:
    from graphfraud.batch.state import LoadState

    state = LoadState(tmp_path / "state")
    first = _load(tmp_path / "a", "merchant,m1,fraud,platform,2024-03-01\n"
                                  "merchant,m2,fraud,platform,2024-03-01\n").dataset
    state.save(first, "s1")
    newer = _load(tmp_path / "b", "merchant,m1,fraud,platform,2024-03-01\n"
                                  "merchant,m1,legit,investigator,2024-06-01\n"
                                  "merchant,m2,fraud,platform,2024-03-01\n").dataset
    upsert = state.diff(newer).upsert_dataset("b")
    events = upsert.label_events()
    assert list(zip(events["entity_id"], events["label"], strict=True)) == [
        ("m1", "fraud"), ("m1", "legit")]
