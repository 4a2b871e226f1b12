"""The loaders: validation at the boundary, rejects with file/line/reason, merges."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import write_csv
from graphfraud.errors import InputError
from graphfraud.loaders import read_dataset
from graphfraud.loaders.mapping import Mapping

MERCHANTS = (
    "merchant_id,name,registered_at,category,status\n"
    "007,Tea House,2024-03-01,food,active\n"
    "m2,Shoe Shop,2024-03-01T08:15:00+08:00,apparel,Banned\n"
    "m3,,,,\n"
)


def _reasons(result) -> dict[tuple[str, int], str]:  # type: ignore[no-untyped-def]
    return {(r.file, r.line): r.reason for r in result.rejects}


def _check_totals(result) -> None:  # type: ignore[no-untyped-def]
    for f in result.files:
        assert f.loaded + f.rejected == f.rows, f


def test_clean_export_loads_with_typed_columns(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    result = read_dataset(tmp_path)
    m = result.dataset.tables["merchants"]
    assert list(m["merchant_id"]) == ["007", "m2", "m3"]  # ids stay strings, zeros kept
    assert m.loc[1, "status"] == "banned"  # enum values are case-insensitive
    assert m.loc[1, "registered_at"] == pd.Timestamp("2024-03-01T00:15:00Z")  # offset -> UTC
    assert pd.isna(m.loc[2, "name"]) and pd.isna(m.loc[2, "registered_at"])
    assert result.rejects == []
    assert (result.files[0].rows, result.files[0].loaded) == (3, 3)


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (",x,2024-01-01,food,active", "merchant_id", "missing required field merchant_id"),
        ("m9,x,yesterday,food,active", "registered_at", "unparseable timestamp"),
        ("m9,x,2024-01-01,food,closed", "status", "unknown value 'closed' in field status"),
        ("m9,x,2024-01-01,food", "", "wrong number of fields: expected 5, found 4"),
        ("m9,x,2024-01-01,food,active,extra", "", "wrong number of fields"),
        ("007,Other name,2024-03-01,food,active", "merchant_id",
         "duplicate merchant_id '007' with different fields (the first row, at line 2, stands)"),
    ],
)
def test_bad_merchant_rows_are_rejected_with_line_and_reason(
    tmp_path: Path, row: str, field: str, reason: str
) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS + row + "\n")
    result = read_dataset(tmp_path)
    assert len(result.rejects) == 1
    bad = result.rejects[0]
    assert (bad.file, bad.line, bad.field) == ("merchants.csv", 5, field)
    assert reason in bad.reason
    assert len(result.dataset.tables["merchants"]) == 3
    _check_totals(result)


def test_identical_duplicate_merges_and_counts_as_loaded(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS + "007,Tea House,2024-03-01,food,active\n")
    result = read_dataset(tmp_path)
    assert result.rejects == []
    report = result.files[0]
    assert (report.rows, report.loaded, report.rejected, report.merged) == (4, 4, 0, 1)
    assert len(result.dataset.tables["merchants"]) == 3


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("m2,d1,2024-01-01,2024-01-02,-3", "logins", "negative value in field logins"),
        ("m2,d1,2024-01-01,2024-01-02,1.5", "logins", "must be a whole number"),
        ("m2,d1,2024-01-01,2024-01-02,many", "logins", "unparseable number in field logins"),
        ("nobody,d1,2024-01-01,2024-01-02,1", "merchant_id",
         "unknown merchant 'nobody' (not in merchants.csv)"),
        ("m2,,2024-01-01,2024-01-02,1", "device_id", "missing required field device_id"),
    ],
)
def test_bad_link_rows(tmp_path: Path, row: str, field: str, reason: str) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "merchant_devices.csv",
              "merchant_id,device_id,first_seen,last_seen,logins\n"
              "007,d1,2024-01-01,2024-01-05,2\n" + row + "\n")
    result = read_dataset(tmp_path)
    [bad] = result.rejects
    assert (bad.file, bad.line, bad.field) == ("merchant_devices.csv", 3, field)
    assert reason in bad.reason
    assert list(result.dataset.tables["merchant_devices"]["merchant_id"]) == ["007"]
    _check_totals(result)


def test_link_rows_for_one_pair_merge(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "merchant_devices.csv",
              "merchant_id,device_id,first_seen,last_seen,logins\n"
              "007,d1,2024-02-01,2024-02-05,2\n"
              "007,d1,2024-01-01,2024-01-05,3\n"
              "m2,d1,,,\n"
              "m2,d1,,,\n")
    write_csv(tmp_path, "merchant_accounts.csv",
              "merchant_id,account_id,role,first_seen\n"
              "007,a1,settlement,2024-01-02\n"
              "007,a1,refund,2024-01-01\n"
              "007,a1,settlement,\n")
    result = read_dataset(tmp_path)
    links = result.dataset.tables["merchant_devices"].set_index("merchant_id")
    assert links.loc["007", "logins"] == 5
    assert links.loc["007", "first_seen"] == pd.Timestamp("2024-01-01", tz="UTC")
    assert links.loc["007", "last_seen"] == pd.Timestamp("2024-02-05", tz="UTC")
    assert pd.isna(links.loc["m2", "logins"])  # no counts at all stays unknown, not 0
    accounts = result.dataset.tables["merchant_accounts"]
    assert accounts.loc[0, "role"] == "refund,settlement"
    assert accounts.loc[0, "first_seen"] == pd.Timestamp("2024-01-01", tz="UTC")
    md = next(f for f in result.files if f.table == "merchant_devices")
    assert (md.rows, md.loaded, md.merged) == (4, 4, 2)


def test_quoted_newlines_crlf_bom_keep_true_line_numbers(tmp_path: Path) -> None:
    text = (
        "\ufeffmerchant_id,name,registered_at,category,status\r\n"
        'm1,"two\r\nlines",2024-01-01,food,active\r\n'
        "\r\n"
        "m2,ok,notadate,food,active\r\n"
    )
    write_csv(tmp_path, "merchants.csv", text)
    result = read_dataset(tmp_path)
    m = result.dataset.tables["merchants"]
    assert list(m["merchant_id"]) == ["m1"]
    assert m.loc[0, "name"] == "two\r\nlines"
    [bad] = result.rejects
    assert bad.line == 5  # header 1, quoted record 2-3, blank 4
    assert bad.field == "registered_at"


def test_streamers_are_created_from_links_without_streamers_file(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "promotions.csv",
              "streamer_id,merchant_id,sessions,orders,gmv,first_at,last_at\n"
              "h1,007,3,10,99.5,2024-01-01,2024-01-03\n")
    result = read_dataset(tmp_path)
    assert result.rejects == []
    assert result.dataset.entity_ids("streamer") == {"h1"}


def test_unknown_streamer_is_rejected_when_streamers_file_exists(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "streamers.csv", "streamer_id,name,registered_at,followers\nh1,A,,10\n")
    write_csv(tmp_path, "promotions.csv",
              "streamer_id,merchant_id,sessions\nh1,007,1\nh2,007,1\n")
    result = read_dataset(tmp_path)
    [bad] = result.rejects
    assert (bad.file, bad.line, bad.reason) == (
        "promotions.csv", 3, "unknown streamer 'h2' (not in streamers.csv)")


def test_labels_check_each_entity_kind(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "labels.csv",
              "entity_type,entity_id,label,source,labeled_at\n"
              "merchant,007,fraud,blacklist,2024-01-01\n"
              "merchant,ghost,fraud,blacklist,2024-01-01\n"
              "device,d9,fraud,,\n"
              "shop,007,fraud,,\n"
              "merchant,m2,maybe,,\n")
    result = read_dataset(tmp_path)
    reasons = _reasons(result)
    assert reasons[("labels.csv", 3)] == "unknown merchant 'ghost' (not in merchants.csv)"
    assert "unknown value 'shop' in field entity_type" in reasons[("labels.csv", 5)]
    assert "unknown value 'maybe' in field label" in reasons[("labels.csv", 6)]
    assert result.dataset.entity_ids("device") == {"d9"}
    _check_totals(result)


def test_missing_required_column_stops_with_file_and_column(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", "id,name\n1,x\n")
    with pytest.raises(InputError) as info:
        read_dataset(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'merchants.csv'}: line 1: missing required column 'merchant_id'")
    assert info.value.column == "merchant_id"


def test_missing_merchants_file_stops(tmp_path: Path) -> None:
    write_csv(tmp_path, "devices.csv", "device_id\nd1\n")
    with pytest.raises(InputError, match=r"merchants\.csv: required file is missing"):
        read_dataset(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("merchant_id;name;status\n1;x;active\n", "seems to be delimited by ';'"),
    ],
)
def test_unusable_files_stop_with_one_line_error(tmp_path: Path, content: str,
                                                 message: str) -> None:
    write_csv(tmp_path, "merchants.csv", content)
    with pytest.raises(InputError, match=message) as info:
        read_dataset(tmp_path)
    assert "\n" not in str(info.value)


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv",
              "merchant_id,name\nm1,ok\nm2,老字号\n", encoding="gbk")
    with pytest.raises(InputError, match=r"merchants\.csv: line 3, field name: not valid utf-8"):
        read_dataset(tmp_path)


def test_header_only_file_loads_nothing(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", "merchant_id,name\n")
    result = read_dataset(tmp_path)
    assert result.files[0].rows == 0
    assert result.dataset.tables["merchants"].empty


def test_parquet_input_is_accepted(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "merchant_id": ["007", "m2", None],
        "registered_at": pd.to_datetime(["2024-03-01", "2024-03-02", None]),
        "status": ["active", "nope", "active"],
    })
    frame.to_parquet(tmp_path / "merchants.parquet")
    write_csv(tmp_path, "merchant_signals.csv", "merchant_id,orders,refunds\n007,10,1\n")
    result = read_dataset(tmp_path)
    assert list(result.dataset.tables["merchants"]["merchant_id"]) == ["007"]
    assert {(r.line, r.field) for r in result.rejects} == {(2, "status"), (3, "merchant_id")}
    assert result.dataset.tables["merchant_signals"].loc[0, "orders"] == 10


def test_mapping_renames_files_columns_and_values(tmp_path: Path) -> None:
    write_csv(tmp_path, "shops.csv", "shop_id,state\ns1,normal\ns2,closed\n")
    mapping_file = write_csv(tmp_path / "conf", "mapping.toml", (
        '[files]\nmerchants = "shops.csv"\n'
        '[columns.merchants]\nmerchant_id = "shop_id"\nstatus = "state"\n'
        '[values.merchants.status]\nnormal = "active"\nclosed = "banned"\n'
    ))
    result = read_dataset(tmp_path, mapping=Mapping.from_file(mapping_file))
    m = result.dataset.tables["merchants"]
    assert list(zip(m["merchant_id"], m["status"], strict=True)) == [
        ("s1", "active"), ("s2", "banned")]


def test_mapping_file_with_unknown_column_is_a_config_error(tmp_path: Path) -> None:
    from graphfraud.errors import ConfigError

    path = write_csv(tmp_path, "m.toml", '[columns.merchants]\nshop = "x"\n')
    with pytest.raises(ConfigError, match="unknown column 'shop'"):
        Mapping.from_file(path)


@pytest.mark.parametrize("columns", [
    'merchant_id = "shop_id"\nname = "shop_id"\n',  # two contract columns, one source
    'name = "category"\n',  # onto an unmapped contract column's own name
])
def test_mapping_two_columns_onto_one_export_column_is_a_config_error(
        tmp_path: Path, columns: str) -> None:
    from graphfraud.errors import ConfigError

    path = write_csv(tmp_path, "m.toml", "[columns.merchants]\n" + columns)
    with pytest.raises(ConfigError, match="each export column feeds one contract column"):
        Mapping.from_file(path)


def test_overlong_values_are_rejected_not_truncated(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS + "m9," + "x" * 5000 + ",,,\n")
    result = read_dataset(tmp_path)
    [bad] = result.rejects
    assert bad.field == "name" and "longer than 4096" in bad.reason
    assert len(bad.value) == 200


def test_a_dangling_link_in_the_export_is_an_error_not_a_missing_file(tmp_path: Path) -> None:
    from graphfraud.errors import InputError

    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    (tmp_path / "merchant_devices.csv").symlink_to(tmp_path / "gone" / "x.csv")
    with pytest.raises(InputError, match=r"merchant_devices\.csv: a link to .*does not exist"):
        read_dataset(tmp_path)


def test_errors_come_in_the_contract_order_of_the_files(tmp_path: Path) -> None:
    from graphfraud.errors import InputError

    write_csv(tmp_path, "merchants.csv", "name,registered_at\na,2024-01-01\n")
    (tmp_path / "labels.csv").symlink_to(tmp_path / "gone" / "x.csv")
    seen: list[str] = []
    with pytest.raises(InputError, match=r"merchants\.csv.*merchant_id"):
        read_dataset(tmp_path, progress=seen.append)
    assert seen == ["merchants.csv"]  # announced before it was read
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    with pytest.raises(InputError, match=r"labels\.csv: a link to .*does not exist"):
        read_dataset(tmp_path)


def test_a_column_the_contract_does_not_know_is_named_with_a_mapping_hint(
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from graphfraud.cli import cli

    write_csv(tmp_path, "merchants.csv",
              "merchant_id,name,reg_date,category,status\nm1,a,2024-01-01,x,active\n")
    [report] = read_dataset(tmp_path).files
    assert report.ignored == ("column 'reg_date' is not in the contract and is ignored (a "
                              "mapping can map it onto 'registered_at', which the file "
                              "lacks)",)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "-q", "--rejects",
                                      str(tmp_path / "r.csv")])
    assert result.exit_code == 0
    assert "merchants.csv: column 'reg_date' is not in the contract" in result.stderr


def test_csv_is_parsed_by_one_thread_even_when_the_parser_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyarrow's threaded CSV reader can deadlock its thread pool when it fails
    mid-file (a field longer than a block): a reader that hung once on a 10 MB field.
    Every parse must be serial, and a failing one must fall back to the line-exact
    reader and reject the row as before."""
    import pyarrow.csv as pacsv

    calls: list[bool] = []
    real = pacsv.read_csv

    def spy(*args: object, **kwargs: object) -> object:
        options = kwargs.get("read_options")
        calls.append(bool(getattr(options, "use_threads", True)))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pacsv, "read_csv", spy)
    long_name = "x" * 3_000_000  # longer than the parser's 1 MiB block
    write_csv(tmp_path, "merchants.csv", "merchant_id,name\nm1,Tea\nm2," + long_name + "\n")
    result = read_dataset(tmp_path)
    assert calls and not any(calls)
    assert list(result.dataset.tables["merchants"]["merchant_id"]) == ["m1"]
    [reject] = result.rejects
    assert (reject.line, reject.field) == (3, "name")


ORGANIZATIONS = (
    "organization_id,kind,name,verified\n"
    "O1,mcn_agency,Star Hosts,TRUE\n"
    "O2,franchise,Tea Franchise,false\n"
    "O3,operator,Back Office Co,\n"
)


def test_declared_organisations_load_with_their_members(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "streamers.csv", "streamer_id,name\nh1,A\n")
    write_csv(tmp_path, "organizations.csv", ORGANIZATIONS)
    write_csv(tmp_path, "organization_members.csv",
              "organization_id,entity_type,entity_id,since\n"
              "O1,Streamer,h1,2024-02-01\n"
              "O1,streamer,h1,2023-05-01\n"  # the same membership again: merged
              "O2,merchant,007,2024-01-01T08:00:00+08:00\n"
              "O2,merchant,m2,\n"
              "O3,merchant,007,\n")  # a merchant may belong to several
    result = read_dataset(tmp_path)
    assert result.rejects == []
    t = result.dataset.tables
    orgs = t["organizations"]
    assert list(orgs.columns) == ["organization_id", "kind", "name", "verified"]
    assert orgs["verified"].tolist()[:2] == ["true", "false"]  # lower-cased
    assert pd.isna(orgs.loc[2, "verified"])
    members = t["organization_members"].sort_values(["organization_id", "entity_id"])
    assert list(members.columns) == ["organization_id", "entity_type", "entity_id", "since"]
    assert members[["organization_id", "entity_type", "entity_id"]].values.tolist() == [
        ["O1", "streamer", "h1"], ["O2", "merchant", "007"], ["O2", "merchant", "m2"],
        ["O3", "merchant", "007"]]
    assert members["since"].iloc[0] == pd.Timestamp("2023-05-01", tz="UTC")  # earliest
    assert members["since"].iloc[1] == pd.Timestamp("2024-01-01", tz="UTC")
    report = {f.table: f for f in result.files}["organization_members"]
    assert (report.rows, report.loaded, report.rejected, report.merged) == (5, 5, 0, 1)
    _check_totals(result)


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("O9,merchant,007,", "organization_id",
         "unknown organization 'O9' (not in organizations.csv)"),
        ("O1,merchant,ghost,", "entity_id", "unknown merchant 'ghost' (not in merchants.csv)"),
        ("O1,streamer,h9,", "entity_id", "unknown streamer 'h9' (not in streamers.csv)"),
        ("O1,device,d1,", "entity_type", "unknown value 'device' in field entity_type "
         "(expected one of merchant, streamer)"),
        ("O1,merchant,,", "entity_id", "missing required field entity_id"),
        ("O1,merchant,007,last spring", "since", "unparseable timestamp in field since"),
    ],
)
def test_bad_membership_rows_are_rejected(tmp_path: Path, row: str, field: str,
                                          reason: str) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "streamers.csv", "streamer_id,name\nh1,A\n")
    write_csv(tmp_path, "organizations.csv", ORGANIZATIONS)
    write_csv(tmp_path, "organization_members.csv",
              "organization_id,entity_type,entity_id,since\nO1,merchant,m2,\n" + row + "\n")
    result = read_dataset(tmp_path)
    [bad] = result.rejects
    assert (bad.file, bad.line, bad.field) == ("organization_members.csv", 3, field)
    assert reason in bad.reason
    assert result.dataset.tables["organization_members"]["entity_id"].tolist() == ["m2"]
    _check_totals(result)


def test_bad_organisation_rows_are_rejected(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "organizations.csv",
              ORGANIZATIONS + "O4,enterprise,Big Co,yes\n,enterprise,No Id,true\n"
              "O1,mcn_agency,Other Name,true\n")
    result = read_dataset(tmp_path)
    assert {(r.line, r.field): r.reason for r in result.rejects} == {
        (5, "verified"): "unknown value 'yes' in field verified (expected one of true, false)",
        (6, "organization_id"): "missing required field organization_id",
        (7, "organization_id"): "duplicate organization_id 'O1' with different fields "
                                "(the first row, at line 2, stands)"}
    assert result.dataset.tables["organizations"]["organization_id"].tolist() == \
        ["O1", "O2", "O3"]
    _check_totals(result)


def test_members_of_an_undeclared_organisation_are_rejected_without_organizations_file(
    tmp_path: Path,
) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "organization_members.csv",
              "organization_id,entity_type,entity_id\nO1,merchant,007\nO1,streamer,h1\n")
    result = read_dataset(tmp_path)
    assert [(r.line, r.field, r.reason) for r in result.rejects] == [
        (2, "organization_id", "unknown organization 'O1' (not in organizations.csv)"),
        (3, "organization_id", "unknown organization 'O1' (not in organizations.csv)")]
    assert result.dataset.tables["organization_members"].empty


def test_a_member_streamer_needs_no_streamers_file_and_creates_no_actor(tmp_path: Path) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "organizations.csv", ORGANIZATIONS)
    write_csv(tmp_path, "organization_members.csv",
              "organization_id,entity_type,entity_id\nO1,streamer,h1\n")
    result = read_dataset(tmp_path)
    assert result.rejects == []
    assert len(result.dataset.tables["organization_members"]) == 1
    assert result.dataset.entity_ids("streamer") == set()


@pytest.mark.parametrize(("name", "header", "column"), [
    ("organizations.csv", "kind,name,verified\n", "organization_id"),
    ("organization_members.csv", "organization_id,entity_id\n", "entity_type"),
])
def test_an_organisation_file_without_a_required_column_stops(
    tmp_path: Path, name: str, header: str, column: str,
) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "organizations.csv", ORGANIZATIONS)
    write_csv(tmp_path, name, header)
    with pytest.raises(InputError) as info:
        read_dataset(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / name}: line 1: missing required column {column!r}")


def _slow_for(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file ``name`` read slowly: the files after it are read first."""
    import time

    from graphfraud.loaders import reader

    real = reader._check_ahead

    def slow(path, *args):  # type: ignore[no-untyped-def]
        if path.name == name:
            time.sleep(0.5)
        return real(path, *args)

    monkeypatch.setattr(reader, "_check_ahead", slow)


def test_references_wait_for_the_file_that_declares_the_ids(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "merchant_devices.csv", "merchant_id,device_id\nm2,d1\nm9,d1\n")
    _slow_for("merchants.csv", monkeypatch)  # the links are read before the merchants
    result = read_dataset(tmp_path)
    assert result.dataset.tables["merchant_devices"]["merchant_id"].tolist() == ["m2"]
    assert [(r.file, r.line) for r in result.rejects] == [("merchant_devices.csv", 3)]
    assert [f.table for f in result.files] == ["merchants", "merchant_devices"]


def test_the_first_error_in_contract_order_is_raised_whichever_file_fails_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_csv(tmp_path, "merchants.csv", MERCHANTS)
    write_csv(tmp_path, "merchant_devices.csv", "merchant_id\nm1\n")  # no device_id
    write_csv(tmp_path, "promotions.csv", "merchant_id\nm1\n")  # no streamer_id
    _slow_for("merchant_devices.csv", monkeypatch)
    with pytest.raises(InputError, match=r"merchant_devices\.csv.*device_id"):
        read_dataset(tmp_path)
