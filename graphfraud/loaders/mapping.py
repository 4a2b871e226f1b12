"""Column mappings: load an export whose files and columns are named differently.

A mapping file is TOML. Every section is optional::

    # text encoding of the CSV files (default utf-8), e.g. for a GBK export
    encoding = "gb18030"

    # which file holds which contract table (stem or file name)
    [files]
    merchants = "shop_master.csv"
    merchant_devices = "shop_login_log"

    # contract column = export column, per table
    [columns.merchants]
    merchant_id = "shop_id"
    registered_at = "created_time"

    # export value = contract value, per table and column
    [values.merchants.status]
    "normal" = "active"
    "closed" = "banned"

Columns not mentioned keep their contract names; unmapped values are validated
as they stand.
"""

from __future__ import annotations

import codecs
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graphfraud.errors import ConfigError
from graphfraud.loaders.spec import TableSpec, contract


@dataclass(frozen=True)
class Mapping:
    """How one platform's export maps onto the contract."""

    files: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    encoding: str = "utf-8"

    def source_column(self, table: str, column: str) -> str:
        """The export's name for a contract column."""
        return self.columns.get(table, {}).get(column, column)

    def file_stem(self, table: str) -> str:
        name = self.files.get(table, table)
        for suffix in (".csv", ".parquet"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name

    @classmethod
    def from_file(cls, path: str | Path) -> Mapping:
        """Read and check a mapping file.

        Raises
        ------
        ConfigError
            If the file cannot be read, is not TOML, or names an unknown table or column.
        """
        path = Path(path)
        raw = _read_toml(path)
        tables = contract()
        files = {str(k): str(v) for k, v in raw.get("files", {}).items()}
        for table, name in files.items():
            _check_table(path, tables, "files", table)
            _check_file_name(path, table, name)
        columns = _mapped_columns(path, tables, raw.get("columns", {}))
        values: dict[str, dict[str, dict[str, str]]] = {}
        for table, cols in raw.get("values", {}).items():
            values[table] = {}
            for col, pairs in cols.items():
                _check_column(path, tables, "values", table, col)
                values[table][col] = {str(k): str(v) for k, v in pairs.items()}
        encoding = str(raw.get("encoding", "utf-8"))
        try:
            check_encoding(encoding)
        except ValueError as e:
            raise ConfigError(f"{path}: {e}") from e
        return cls(files=files, columns=columns, values=values, encoding=encoding)

    def with_encoding(self, encoding: str | None) -> Mapping:
        """This mapping with another CSV encoding (None keeps the current one)."""
        if encoding is None:
            return self
        check_encoding(encoding)
        return replace(self, encoding=encoding)



def _read_toml(path: Path) -> dict[str, Any]:
    """The mapping file's TOML, with no section the mapping does not know."""
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read mapping file: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not a valid TOML mapping file: {e}") from e
    unknown = set(raw) - {"files", "columns", "values", "encoding"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}")
    return raw


def _check_table(path: Path, tables: dict[str, TableSpec], section: str, table: str
                 ) -> None:
    if table not in tables:
        raise ConfigError(f"{path}: [{section}] names unknown table {table!r}")


def _check_file_name(path: Path, table: str, name: str) -> None:
    """A ``[files]`` entry names a file in the export folder: no folder part (``/``,
    ``\\``, ``..``), not absolute, so a mapping cannot make a run read elsewhere."""
    stem = Mapping(files={table: name}).file_stem(table)
    if stem.strip() in ("", ".", "..") or any(c in name for c in "/\\\0"):
        raise ConfigError(
            f"{path}: [files] {table} = {name!r} is not a file name in the export folder "
            "(a mapping names files there, without a folder part such as '/' or '..')")


def _check_column(path: Path, tables: dict[str, TableSpec], section: str, table: str,
                  column: str) -> None:
    _check_table(path, tables, section, table)
    if column not in tables[table].column_names:
        raise ConfigError(
            f"{path}: [{section}.{table}] names unknown column {column!r}"
        )


def _mapped_columns(path: Path, tables: dict[str, TableSpec], raw: dict[str, Any]
                    ) -> dict[str, dict[str, str]]:
    """The ``[columns]`` section, checked: known tables and columns, and no export
    column feeding two contract columns."""
    columns: dict[str, dict[str, str]] = {}
    for table, cols in raw.items():
        for col in cols:
            _check_column(path, tables, "columns", table, col)
        columns[table] = {str(k): str(v) for k, v in cols.items()}
        seen: dict[str, str] = {}
        # Unmapped contract columns read the export column of their own name.
        sources = {c: columns[table].get(c, c) for c in tables[table].column_names}
        for col, source in sources.items():
            if source in seen:
                raise ConfigError(
                    f"{path}: [columns.{table}] maps both {seen[source]!r} and {col!r} "
                    f"to the export column {source!r}; each export column feeds one "
                    "contract column")
            seen[source] = col
    return columns

def check_encoding(name: str) -> str:
    """The canonical codec name of ``name``.

    Raises
    ------
    ValueError
        If Python knows no such text encoding.
    """
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown text encoding {name!r} (try utf-8 or gb18030)") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib: not text
        raise ValueError(f"{name!r} is not a text encoding (try utf-8 or gb18030)")
    return info.name
