"""First load of a big export through ``neo4j-admin database import full``.

The online loader (:mod:`graphfraud.store.writer`) sends ``UNWIND ... MERGE`` batches to
a running server; that is the path for updates and for any server, Aura included. For
the first load of a large export into the local server, the import tool writes the store
files directly, which is several times faster but needs the server stopped and replaces
the database.

This module turns a validated :class:`~graphfraud.loaders.Dataset` into the import tool's
CSV files so that the imported graph is the one the online loader would build from an
empty database: the same nodes (implied devices, accounts and streamers included), the
same properties with the same types (timestamps as ``datetime`` at second precision,
counts as ``long``, amounts as ``double``, roles as a string list, an organisation's
``verified`` as a boolean), signals and verdicts folded into their nodes, one
relationship per pair (and per membership). An integration test compares the two
graphs property by property.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from graphfraud.errors import GraphFraudError, Neo4jServerError
from graphfraud.loaders.dataset import Dataset
from graphfraud.loaders.spec import contract
from graphfraud.model import (
    ENTITY_KINDS,
    IDENTIFIER_KINDS,
    LINK_KINDS,
    MEMBERSHIP,
    ORGANIZATION,
    Label,
    NodeKind,
    RelType,
)

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from neo4j import Driver

    from graphfraud.server.local import LocalServer

#: The database the import writes: Community has one user database, ``neo4j``.
DATABASE = "neo4j"

#: Relationship type of each link table; the table's first key column is the start node.
LINK_TYPES: dict[str, RelType] = {link.table: link.rel for link in LINK_KINDS}

#: Import-tool property type of each contract column type.
_TYPES = {"id": "", "text": "", "enum": "", "timestamp": ":datetime", "count": ":long",
          "amount": ":double"}

#: How labels.csv columns land on the node (the online loader's ``labels_*`` statements).
_VERDICT_COLUMNS = {"label": ("verdict", "text"), "source": ("verdict_source", "text"),
                    "labeled_at": ("verdict_at", "timestamp")}

#: Columns the graph holds as booleans (the online loader's ``verified = 'true'``).
_BOOLEANS = {(ORGANIZATION.entity_type, "verified")}

#: Entity kinds that carry ``actors``: how many merchants and streamers link to them.
_IDENTIFIERS = tuple(kind.entity_type for kind in IDENTIFIER_KINDS)

Say = Callable[[str], None]


class BulkImportError(GraphFraudError):
    """The bulk import cannot run or did not produce the expected graph."""


@dataclass
class ImportFiles:
    """The CSV files written for one import, by label and by relationship type."""

    folder: Path
    nodes: dict[str, list[Path]] = field(default_factory=dict)
    relationships: dict[str, list[Path]] = field(default_factory=dict)
    node_counts: dict[str, int] = field(default_factory=dict)
    relationship_counts: dict[str, int] = field(default_factory=dict)
    multiline: bool = False
    #: Links without a role (written as no property; set to the empty list afterwards).
    roleless_links: int = 0

    @property
    def rows(self) -> int:
        return sum(self.node_counts.values()) + sum(self.relationship_counts.values())

    def arguments(self) -> list[str]:
        """The file arguments of ``neo4j-admin database import full``."""
        args = [f"--nodes={label}={path}"
                for label, paths in self.nodes.items() for path in paths]
        args += [f"--relationships={rel}={path}"
                 for rel, paths in self.relationships.items() for path in paths]
        return args


def _text_column(values: pd.Series, kind: str) -> pa.Array:
    """One column as the Arrow array the CSV writer prints in the import tool's syntax."""
    import pyarrow as pa

    from graphfraud.store.writer import iso_seconds

    if kind == "timestamp":
        return iso_seconds(values)
    array = pa.array(values, from_pandas=True)
    target = {"count": pa.int64(), "amount": pa.float64()}.get(kind, pa.string())
    return array if array.type == target else array.cast(target)


def _write_csv(path: Path, header: list[str], columns: list[pa.Array]) -> bool:
    """Write one import file (header line first); True when a value spans lines."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    table = pa.table(columns, names=[f"c{i}" for i in range(len(columns))])
    multiline = any(
        pa.types.is_string(col.type)
        and bool(pc.any(pc.match_substring_regex(col, "[\r\n]")).as_py())
        for col in columns
    )
    with path.open("wb") as fh:
        fh.write((",".join(header) + "\n").encode("utf-8"))
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False))
    return multiline


def _node_frame(dataset: Dataset, kind: NodeKind) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every node of one kind with its properties, and the contract type of each column."""
    key = kind.key
    types: dict[str, str] = {key: "id"}
    frame, ids = _own_rows(dataset, kind, types)
    labels = dataset.table("labels")
    verdicts = None
    if labels is not None and not labels.empty:
        verdicts = labels.loc[labels["entity_type"] == kind.entity_type]
        ids.append(verdicts["entity_id"])
    if ids:  # nodes implied by links and labels (the online loader MERGEs them)
        frame = _with_implied(frame, key, ids)
    if kind.entity_type in _IDENTIFIERS:  # the loader's `actors` and `streamers` counts
        _add_user_counts(dataset, kind, frame, types)
    frame = _with_attributes(dataset, kind, frame, types)
    if verdicts is not None and len(verdicts):
        renamed = {"entity_id": key} | {k: v[0] for k, v in _VERDICT_COLUMNS.items()}
        part = verdicts.drop(columns=["entity_type"]).rename(columns=renamed)
        frame = frame.merge(part, on=key, how="left")
        types.update({name: t for name, t in _VERDICT_COLUMNS.values()})
    return frame, types


def _own_rows(dataset: Dataset, kind: NodeKind, types: dict[str, str]
              ) -> tuple[pd.DataFrame, list[pd.Series]]:
    """The kind's own file (its columns' types added to ``types``; an empty frame of
    keys without it), and every column of the export that names one of its nodes."""
    import pandas as pd

    frame: pd.DataFrame | None = None
    ids: list[pd.Series] = []
    for spec in contract().values():
        table = dataset.table(spec.name)
        if table is None or table.empty:
            continue
        if spec.kind == "node" and spec.entity == kind.entity_type:
            frame = table.copy()
            types.update({c.name: c.type for c in spec.columns})
        for col in spec.columns:
            if col.ref == kind.entity_type:
                ids.append(table[col.name])
    if frame is None:
        frame = pd.DataFrame({kind.key: pd.Series([], dtype=object)})
    return frame, ids


def _with_implied(frame: pd.DataFrame, key: str, ids: list[pd.Series]) -> pd.DataFrame:
    """``frame`` with a row for every id of ``ids`` it lacks."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    referenced = pa.chunked_array([_text_column(i, "id") for i in ids], type=pa.string())
    known = _text_column(frame[key], "id")
    # probe the known ids first: the few unknown ones are then cheap to deduplicate
    implied = referenced.filter(pc.invert(pc.is_in(referenced, value_set=known))).unique()
    if not len(implied):
        return frame
    extra = pd.DataFrame({key: pd.Series(implied, dtype=frame[key].dtype)
                          if len(frame) else implied.to_pandas()})
    return pd.concat([frame, extra], ignore_index=True) if len(frame) else extra


def _add_user_counts(dataset: Dataset, kind: NodeKind, frame: pd.DataFrame,
                     types: dict[str, str]) -> None:
    """An identifier's ``actors`` and ``streamers``: how many use it (as the loader
    counts them), added to ``frame`` and ``types``."""
    import pandas as pd

    specs = contract()
    counted = (("actors", ("merchant", "streamer")), ("streamers", ("streamer",)))
    for prop, actor_kinds in counted:
        used = [table[col.name] for spec in specs.values() if spec.kind == "link"
                for col in spec.columns
                if col.ref == kind.entity_type
                and any(f"{actor}_id" in spec.key for actor in actor_kinds)
                and (table := dataset.table(spec.name)) is not None]
        if used:  # one row per (actor, identifier) pair, so rows count actors
            counts = pd.concat(used, ignore_index=True).value_counts()
            frame[prop] = frame[kind.key].map(counts).astype("Int64")
            types[prop] = "count"


def _with_attributes(dataset: Dataset, kind: NodeKind, frame: pd.DataFrame,
                     types: dict[str, str]) -> pd.DataFrame:
    """``frame`` with the kind's per-entity attributes (merchant_signals) merged in."""
    key = kind.key
    for spec in contract().values():
        table = dataset.table(spec.name)
        if spec.kind != "attributes" or spec.entity != kind.entity_type or table is None:
            continue
        if table.empty:
            continue
        attrs = table.rename(columns={spec.key[0]: key})
        frame = frame.merge(attrs, on=key, how="left")  # keys are unique (validated)
        types.update({c.name: c.type for c in spec.columns if c.name != spec.key[0]})
    return frame


def _node_property(kind: NodeKind, name: str, values: pd.Series, type: str
                   ) -> tuple[str, pa.Array]:
    """One node property's header field (its name and import type) and column."""
    if (kind.entity_type, name) in _BOOLEANS:  # 'true' / 'false', as the tool reads them
        return f"{name}:boolean", _text_column(values, "text")
    return f"{name}{_TYPES[type]}", _text_column(values, type)


def write_import_files(dataset: Dataset, folder: str | Path) -> ImportFiles:
    """Write the import tool's CSV files for ``dataset`` into ``folder``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = ImportFiles(folder)
    # The import tool matches links to nodes by integer ids (each node's row number in
    # its file; not stored), several times faster than matching the string keys.
    keys: dict[str, pa.Array] = {}
    for kind in (*ENTITY_KINDS.values(), ORGANIZATION):
        frame, types = _node_frame(dataset, kind)
        if frame.empty:
            continue
        keys[kind.entity_type] = _text_column(frame[kind.key], "id")
        header = [f":ID({kind.label.value})", kind.key]
        columns = [pa.array(np.arange(len(frame), dtype=np.int64)), keys[kind.entity_type]]
        for name in frame.columns:
            if name == kind.key:
                continue
            field, column = _node_property(kind, name, frame[name], types[name])
            header.append(field)
            columns.append(column)
        path = folder / f"nodes-{kind.entity_type}.csv"
        files.multiline |= _write_csv(path, header, columns)
        files.nodes.setdefault(kind.label.value, []).append(path)
        files.node_counts[kind.label.value] = len(frame)
    _write_label_events(dataset, files, keys)
    specs = contract()
    for name, rel in LINK_TYPES.items():
        table = dataset.table(name)
        if table is None or table.empty:
            continue
        spec = specs[name]
        start, end = (spec.column(c) for c in spec.key)
        assert start.ref and end.ref
        header = [f":START_ID({ENTITY_KINDS[start.ref].label.value})",
                  f":END_ID({ENTITY_KINDS[end.ref].label.value})"]
        # every link's ends are nodes (validated), so no position is null
        columns = [pc.index_in(_text_column(table[start.name], "id"), value_set=keys[start.ref]),
                   pc.index_in(_text_column(table[end.name], "id"), value_set=keys[end.ref])]
        for col in spec.columns:
            if col.name in spec.key:
                continue
            if col.name == "role":  # comma-joined in the dataset; a string list in the graph
                roles = _text_column(table[col.name], "text")
                files.roleless_links += roles.null_count
                roles = pc.if_else(pc.is_null(roles), pa.scalar("", pa.string()),
                                   pc.replace_substring(roles, ",", ";"))
                header.append("roles:string[]")
                columns.append(roles)
                continue
            header.append(f"{col.name}{_TYPES[col.type]}")
            columns.append(_text_column(table[col.name], col.type))
        path = folder / f"rels-{name}.csv"
        files.multiline |= _write_csv(path, header, columns)
        files.relationships.setdefault(rel.value, []).append(path)
        files.relationship_counts[rel.value] = (
            files.relationship_counts.get(rel.value, 0) + len(table))
    _write_memberships(dataset, files, keys)
    return files


def _write_memberships(dataset: Dataset, files: ImportFiles, keys: dict[str, pa.Array]
                       ) -> None:
    """The memberships as ``MEMBER_OF`` relationships from each member to its
    organisation (the online loader's ``organization_members_*`` statements: a member
    the graph does not hold is left out, as their ``MATCH`` leaves it)."""
    import pyarrow.compute as pc

    table = dataset.table(MEMBERSHIP.table)
    if table is None or table.empty or ORGANIZATION.entity_type not in keys:
        return
    spec = contract()[MEMBERSHIP.table]
    rel = MEMBERSHIP.rel.value
    org = ORGANIZATION
    for kind in MEMBERSHIP.members:
        part = table.loc[(table[MEMBERSHIP.type_column] == kind.entity_type).fillna(False)
                         .to_numpy(dtype=bool)]
        if part.empty or kind.entity_type not in keys:
            continue
        start = pc.index_in(_text_column(part[MEMBERSHIP.id_column], "id"),
                            value_set=keys[kind.entity_type])
        held = pc.is_valid(start)
        header = [f":START_ID({kind.label.value})", f":END_ID({org.label.value})"]
        columns = [start.filter(held),
                   pc.index_in(_text_column(part[MEMBERSHIP.organization_column], "id"),
                               value_set=keys[org.entity_type]).filter(held)]
        for col in spec.columns:
            if col.name in spec.key:
                continue
            header.append(f"{col.name}{_TYPES[col.type]}")
            columns.append(_text_column(part[col.name], col.type).filter(held))
        path = files.folder / f"rels-{MEMBERSHIP.table}-{kind.entity_type}.csv"
        files.multiline |= _write_csv(path, header, columns)
        files.relationships.setdefault(rel, []).append(path)
        files.relationship_counts[rel] = (files.relationship_counts.get(rel, 0)
                                          + len(columns[0]))


def _write_label_events(dataset: Dataset, files: ImportFiles, keys: dict[str, pa.Array]
                        ) -> None:
    """The label events as ``Verdict`` nodes ``ABOUT`` their entity (the online
    loader's ``label_events_*`` statements)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    events = dataset.label_events()
    if events.empty:
        return
    verdict = Label.VERDICT.value
    n = len(events)
    header = [f":ID({verdict})", "verdict_id", "target_type", "target_id", "decision",
              "label", "source", "at:datetime"]
    columns = [pa.array(np.arange(n, dtype=np.int64)), _text_column(events["verdict_id"], "id"),
               _text_column(events["entity_type"], "id"),
               _text_column(events["entity_id"], "id"),
               pa.array(["label"] * n, pa.string()), _text_column(events["label"], "text"),
               _text_column(events["source"], "text"),
               _text_column(events["labeled_at"], "timestamp")]
    path = files.folder / "nodes-verdict.csv"
    files.multiline |= _write_csv(path, header, columns)
    files.nodes.setdefault(verdict, []).append(path)
    files.node_counts[verdict] = n
    about = RelType.ABOUT.value
    for entity, part in events.groupby("entity_type", sort=True):
        kind = ENTITY_KINDS[str(entity)]
        rel = [pa.array(part.index.to_numpy(dtype=np.int64)),
               pc.index_in(_text_column(part["entity_id"], "id"), value_set=keys[str(entity)])]
        path = files.folder / f"rels-about-{entity}.csv"
        _write_csv(path, [f":START_ID({verdict})", f":END_ID({kind.label.value})"], rel)
        files.relationships.setdefault(about, []).append(path)
        files.relationship_counts[about] = files.relationship_counts.get(about, 0) + len(part)


@dataclass
class BulkResult:
    """What one bulk import did."""

    files: ImportFiles
    prepare_seconds: float
    import_seconds: float
    schema_seconds: float
    nodes: dict[str, int]
    relationships: dict[str, int]

    @property
    def rows(self) -> int:
        return self.files.rows


def _connect(server: LocalServer) -> Driver:
    from graphfraud.store.admin import local_driver

    return local_driver(server.bolt_uri, server.read_password())


def _database_is_empty(server: LocalServer) -> bool:
    from graphfraud.store.admin import database_is_empty

    with _connect(server) as d:
        return database_is_empty(d, database=DATABASE)


def _graph_counts(server: LocalServer) -> tuple[dict[str, int], dict[str, int]]:
    """Nodes per label and relationships per type, from the count store."""
    from graphfraud.store.admin import graph_counts

    with _connect(server) as d:
        return graph_counts(d, sorted({r.value for r in LINK_TYPES.values()}
                                      | {RelType.ABOUT.value, MEMBERSHIP.rel.value}),
                            database=DATABASE)


def import_dataset(
    server: LocalServer,
    dataset: Dataset,
    *,
    work_dir: str | Path,
    overwrite: bool = False,
    max_off_heap: str = "2G",
    say: Say | None = None,
) -> BulkResult:
    """Replace the local server's database with ``dataset`` through the import tool.

    The server is stopped for the import and started again afterwards (also when it was
    not running before, so that the schema can be created). A database that holds any
    node is only replaced with ``overwrite``.

    Raises
    ------
    BulkImportError
        If the database is not empty and ``overwrite`` is false, or if the imported
        graph's counts differ from the files written.
    Neo4jServerError
        If the server or the import tool fails.
    """
    import time

    def note(message: str) -> None:
        if say is not None:
            say(message)

    started = time.perf_counter()
    server.start(say=note)
    if not overwrite and not _database_is_empty(server):
        raise BulkImportError(
            f"the database {DATABASE!r} of the server in {server.home} already holds a graph; "
            "the bulk import replaces it entirely: use `graphfraud load` to update it, or "
            "pass --overwrite to replace it"
        )
    files = write_import_files(dataset, work_dir)
    prepared = time.perf_counter()
    note(f"wrote {files.rows:,} import rows to {files.folder} in {prepared - started:.1f} s")
    server.stop(say=note)
    import_seconds = _run_import_tool(server, files, work_dir, max_off_heap, note)
    server.start(say=note)
    schema_seconds = _create_schema(server, files)
    nodes, rels = _checked_counts(server, files)
    return BulkResult(files, prepared - started, import_seconds, schema_seconds, nodes, rels)


def _run_import_tool(server: LocalServer, files: ImportFiles, work_dir: str | Path,
                     max_off_heap: str, note: Say) -> float:
    """Run ``neo4j-admin database import full`` on the stopped server; its seconds.

    Raises
    ------
    BulkImportError
        If the import tool fails (the server is started again first).
    """
    import time

    args = ["database", "import", "full", DATABASE, "--overwrite-destination=true",
            "--id-type=integer", "--bad-tolerance=0", "--array-delimiter=;",
            f"--max-off-heap-memory={max_off_heap}",
            f"--report-file={Path(work_dir) / 'import.report'}", *files.arguments()]
    if files.multiline:
        args.append("--multiline-fields=true")
    note("running neo4j-admin database import full ...")
    t0 = time.perf_counter()
    try:
        server.admin(args)
    except Neo4jServerError as e:
        server.start(say=note)
        raise BulkImportError(
            f"{e}\nthe database {DATABASE!r} was being replaced and may be empty or partial; "
            "fix the export and run the import again with --overwrite"
        ) from e
    return time.perf_counter() - t0


def _create_schema(server: LocalServer, files: ImportFiles) -> float:
    """Create the schema on the imported graph (and the empty roles of role-less
    links); its seconds.

    Raises
    ------
    BulkImportError
        If the imported graph breaks a constraint.
    """
    import time

    from neo4j.exceptions import Neo4jError

    from graphfraud.store.admin import fill_empty_roles
    from graphfraud.store.writer import ensure_schema

    t1 = time.perf_counter()
    with _connect(server) as d:
        try:  # keys are not checked by the import (integer ids): the constraints check them
            ensure_schema(d, database=DATABASE, upgrade=False, concurrent=True)
        except Neo4jError as e:
            raise BulkImportError(
                f"the imported graph cannot take its schema: {e.message}\nthe database "
                f"{DATABASE!r} holds the import without constraints; fix the export and "
                "run the import again with --overwrite"
            ) from e
        if files.roleless_links:
            fill_empty_roles(d, database=DATABASE)
    return time.perf_counter() - t1


def _checked_counts(server: LocalServer, files: ImportFiles
                    ) -> tuple[dict[str, int], dict[str, int]]:
    """The imported graph's nodes per label and relationships per type.

    Raises
    ------
    BulkImportError
        If they differ from the files written.
    """
    nodes, rels = _graph_counts(server)
    expected_nodes = {label: files.node_counts.get(label, 0) for label in nodes}
    expected_rels = {r: files.relationship_counts.get(r, 0) for r in rels}
    if nodes != expected_nodes or rels != expected_rels:
        raise BulkImportError(
            f"the imported graph does not match the files: nodes {nodes} (expected "
            f"{expected_nodes}), relationships {rels} (expected {expected_rels})"
        )
    return nodes, rels
