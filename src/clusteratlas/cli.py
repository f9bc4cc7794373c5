"""The ``clusteratlas`` command: a thin face that parses, calls the library, and prints.

A command imports only what it uses, when it runs: ``clusteratlas --help`` loads neither pandas
nor the store. Commands on a store render the study's diagnosis (``clusteratlas.study``) with
the same settings as the report, the dashboard and the API.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from clusteratlas import __version__
from clusteratlas.faces import LANGS, N_, reason, translator

DEFAULT_PATH = "clusteratlas.duckdb"  # the store when --db is not given

# numpy's RuntimeWarnings (a 0/0 inside a measure) are not for the clerk: what a result cannot
# say is said by the result (NaN, a reason), never by a stack line on the terminal
warnings.simplefilter("ignore", RuntimeWarning)

app = typer.Typer(help="ClusterAtlas: measure, plan and evaluate industrial clusters and parks.",
                  no_args_is_help=True, add_completion=False)
console = Console()
err = Console(stderr=True)

# a DuckDB file or a postgresql:// URL: text, since a path would fold the URL's "//"
DbOption = Annotated[str, typer.Option("--db", help="the store: a DuckDB file, or a postgresql:// URL "
                                                     "(kept files in $CLUSTERATLAS_FILES)")]

SYNTHETIC_NOTE = N_("Sample region: Jingzhou district, H1 2006. District totals are calibrated to the "
                    "published figures of the source text; every firm-level row is synthetic.")


def _progress():
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                    TimeElapsedColumn(), console=err, transient=True)


def _fail(message: str, code: int = 2):
    """Say why on one unwrapped line of stderr and exit non-zero (no traceback)."""
    import sys

    print(message, file=sys.stderr)
    raise typer.Exit(code)


def _print_problems(issues, lang: str, limit: int | None = None) -> None:
    """One line a problem, never wrapped: readable in a terminal, a pipe or a log file."""
    import sys

    for i in issues[:limit]:
        print(i.text(lang), file=sys.stderr)


def _print_rejection(e, errors_out: Path | None, lang: str = "zh", limit: int = 200) -> None:
    import sys

    n = len(e.issues)
    print(f"导入被拒绝：共 {n} 个问题，库中数据未作任何改动。" if lang == "zh" else
          f"import rejected: {n} problem(s); nothing was changed", file=sys.stderr)
    _print_problems(e.issues, lang, limit)
    if n > limit:
        print((f"…… 另有 {n - limit} 个问题" + ("" if errors_out else "；用 --errors-out 文件.csv 导出全部"))
              if lang == "zh" else (f"… {n - limit} more" + (
                  "" if errors_out else "; write them all with --errors-out FILE.csv")), file=sys.stderr)
    if errors_out:
        frame = e.to_frame()
        if errors_out.suffix.lower() in (".xlsx", ".xlsm"):
            frame.to_excel(errors_out, index=False)
        else:
            frame.to_csv(errors_out, index=False, encoding="utf-8-sig")
        print(f"全部问题已写入 {errors_out}" if lang == "zh" else f"all problems written to {errors_out}",
              file=sys.stderr)


LangOption = Annotated[str, typer.Option("--lang", help="提示语言：zh（中文）或 en / language of messages")]


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        err.print("--lang must be zh or en")
        raise typer.Exit(2)


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(
        help="要导入的文件：CSV、XLSX、Parquet 或 GeoJSON / the files", exists=False)],
    db: Annotated[str, typer.Option("--db", help="库文件（DuckDB）或 postgresql:// 地址 / the store")] = DEFAULT_PATH,
    table: Annotated[Optional[str], typer.Option(
        help="文件所属的表（默认按表头识别）/ the table the files hold")] = None,
    sheet: Annotated[Optional[str], typer.Option(help="只读工作簿中的这张表 / only this sheet")] = None,
    mapping: Annotated[Optional[Path], typer.Option(
        help="列名、单位、工作表的对照文件（YAML）/ a mapping of headers, units, sheets")] = None,
    usd_rate: Annotated[Optional[float], typer.Option(
        help="美元汇率（每美元折合人民币元）/ CNY per USD")] = None,
    force: Annotated[bool, typer.Option(
        help="内容完全相同的文件也重新导入 / import files whose bytes were imported before")] = False,
    repair_geometry: Annotated[bool, typer.Option(
        help="自相交的边界修复后保存（逐条列出）/ store self-intersecting boundaries repaired")] = False,
    errors_out: Annotated[Optional[Path], typer.Option(
        help="把全部问题写入此 CSV 或 XLSX 文件 / write every problem to this CSV or XLSX")] = None,
    region: Annotated[Optional[str], typer.Option(
        help="无地区列时的行政区划代码（默认取信用代码第3–8位）/ the region of firms and "
             "parks in files that give none")] = None,
    strict: Annotated[bool, typer.Option(
        help="警告也视为错误（合计不符、数值相差万倍）/ reject on warnings too")] = False,
    lang: LangOption = "zh",
    server: ServerOption = None,
    admin: AdminOption = None,
) -> None:
    """检查文件并导入库中：全部成功或全部不导入；每个问题都指明文件、工作表、行、列和数值。

    Check FILES and import them into the store, all or nothing.
    """
    import sys

    from clusteratlas.io.errors import ImportRejected
    from clusteratlas.io.importer import import_files
    from clusteratlas.io.mapping import Mapping
    from clusteratlas.io.store import Store

    if lang not in ("zh", "en"):
        err.print("--lang must be zh or en")
        raise typer.Exit(2)
    zh = lang == "zh"
    if region is not None:
        from clusteratlas.classify import division_name
        from clusteratlas.classify.divisions import codes_named

        if division_name(region) is None:  # a name (公安县) names its code when it is unique
            codes = codes_named(region)
            if len(codes) != 1:
                _fail((f"--region {region}：不是民政部县级以上行政区划代码或唯一的地区名称"
                       if zh else f"--region {region}: not a county-level or higher division code "
                       "(MCA list) nor a unique division name")
                      + (f"（{', '.join(codes)}）" if codes else ""))
            region = codes[0]
    if server:  # the running service holds the store: upload through it, all or nothing as here
        if mapping is not None:
            _fail("--mapping is not sent to a server: import with --db, or name the columns in the files")
        with _server_session(server, admin) as client:
            handles = [open(f, "rb") for f in files]
            try:
                data = {k: str(v) for k, v in (("table", table), ("usd_rate", usd_rate), ("region", region),
                                               ("strict", strict), ("repair_geometry", repair_geometry)) if v}
                r = client.post("/api/datasets", files=[("files", (f.name, h)) for f, h in zip(files, handles)],
                                data=data)
            finally:
                for h in handles:
                    h.close()
        if r.status_code == 422 and "issues" in r.json():
            problems = r.json()["issues"]
            print(f"导入被拒绝：{len(problems)} 个问题，库中未做任何改动" if zh else
                  f"import rejected: {len(problems)} problem(s); nothing was changed", file=sys.stderr)
            for p in problems:
                where = " ".join(str(x) for x in (p["file"], p.get("sheet") or "", f"row {p['row']}" if p.get("row") else "",
                                                  p.get("column") or "") if x)
                print(f"{where}: {(p.get('message_zh') or p['message']) if zh else p['message']}", file=sys.stderr)
            raise typer.Exit(1)
        if r.status_code != 200:
            _server_fail(r)
        got = r.json()
        for f in got["files"]:
            rows = ", ".join(f"{t} {n}" for t, n in (f["rows"] or {}).items())
            console.print(f"{f['file']}: " + (f"dataset {f['dataset_id']}, {rows}" if f["dataset_id"] is not None
                                              else ("已在库中（内容相同）" if zh else "already in the store (same bytes)")))
        console.print(f"已通过 {server} 导入" if zh else f"imported through {server}")
        return
    try:
        m = Mapping.load(mapping)
    except (OSError, ValueError) as e:
        err.print(f"[red]mapping file: {e}[/red]")
        raise typer.Exit(2)
    with Store(db) as store, _progress() as bar:
        task = bar.add_task("importing", total=1.0)
        try:
            report = import_files(store, files, mapping=m, table=table, sheet=sheet,
                                  usd_rate=usd_rate, force=force, repair_geometry=repair_geometry,
                                  region=region, strict=strict,
                                  progress=lambda msg, frac: bar.update(task, description=msg,
                                                                        completed=frac))
        except ImportRejected as e:
            bar.stop()
            _print_rejection(e, errors_out, lang)
            raise typer.Exit(1)
    if report.warnings:
        print(f"警告 {len(report.warnings)} 条（已导入；加 --strict 则视为错误）：" if zh else
              f"{len(report.warnings)} warning(s) (imported; --strict makes them errors):",
              file=sys.stderr)
        _print_problems(report.warnings, lang)
    print(f"已导入 {db}：" if zh else f"imported into {db}:")
    for f in report.files:
        rows = ", ".join(f"{k} {v:,}" for k, v in f.rows.items()) or ("未变" if zh else "unchanged")
        replaced = ", ".join(f"{k} {v:,}" for k, v in f.replaced.items())
        dataset = "—" if f.dataset_id is None else str(f.dataset_id)
        print(f"  {f.file}  数据集 {dataset}  行数：{rows}" + (f"  （替换原有：{replaced}）" if replaced else "")
              if zh else f"  {f.file}  dataset {dataset}  rows: {rows}"
              + (f"  (replaced: {replaced})" if replaced else ""))
    for note in report.notes:
        print(("  说明 " + getattr(note, "zh", note)) if zh else f"  note {note}")


@app.command()
def check(db: DbOption = DEFAULT_PATH) -> None:
    """Read every table and every kept file of the store; exit 1 on any damage.

    检查库文件：读取每张表和每个保留的原始文件并核对其 SHA-256；有损坏时以状态 1 退出。
    """
    with _read_store(db) as store:
        problems = store.check()
    for p in problems:
        print(p)
    if problems:
        _fail(f"{db}: {len(problems)} problem(s)", 1)
    print(f"{db}: every table and kept file reads back as recorded")


@app.command()
def template(
    out: Annotated[Path, typer.Option("--out", help="the workbook to write (.xlsx)")] = Path("模板.xlsx"),
    year: Annotated[int, typer.Option(help="the year its titles name")] = 2023,
) -> None:
    """Write the workbook a bureau fills in: 企业名录, 年度指标, 园区, 地区, 地区行业汇总 and 说明.

    生成填报模板：中文表头、单位、每表一行示例和填写说明；模板本身即可导入。
    """
    from clusteratlas.io.template import write_template

    print(f"已写入 {write_template(out, year)}")


@app.command()
def datasets(db: DbOption = DEFAULT_PATH) -> None:
    """List the dataset versions in the store."""
    from rich.table import Table


    with _read_store(db) as store:
        d = store.datasets()
    t = Table(title=f"datasets in {db}")
    for col in ("id", "file", "sha256", "imported", "rows"):
        t.add_column(col)
    for _, r in d.iterrows():
        t.add_row(str(r.dataset_id), r.source_name, r.sha256[:12], str(r.imported_at)[:19],
                  ", ".join(f"{k}: {v}" for k, v in r.row_counts.items()))
    console.print(t)


def _read_store(db: str):
    """The store at ``db`` opened for reading; exits 2 saying so when there is none."""
    from clusteratlas.io.store import Store

    try:
        return Store(db, read_only=True)
    except FileNotFoundError:  # (a PostgreSQL database that is not there says StoreUnreachable)
        err.print(f"[red]no store at {db}: import files into it first (clusteratlas import FILES --db {db})[/red]")
        raise typer.Exit(2)


def _period_option(text: str | None) -> tuple[int, int] | None:
    from clusteratlas.io.periods import parse_period

    if text is None:
        return None
    p = parse_period(text)
    if p is None:
        raise typer.BadParameter(f"not a period: {text!r} (write 2006, 2006H1, 2006年1-6月)")
    return p


NSimOption = Annotated[Optional[int], typer.Option(
    "--n-sim", help="simulations of every test (dartboard, K-density bands); default 999, as the service")]
SeedOption = Annotated[Optional[int], typer.Option(help="random seed of the simulations (default 2006)")]


def _settings(n_sim: int | None = None, seed: int | None = None):
    from clusteratlas.study import Settings

    given = {k: v for k, v in (("n_sim", n_sim), ("seed", seed)) if v is not None}
    try:
        return Settings(**given)
    except ValueError as e:
        raise typer.BadParameter(str(e))


def _diagnosis(store, region=None, period=None, io_table: Path | None = None, settings=None, peers=None):
    """The study of the store (region, period, input-output table: given or the store's) and
    its diagnosis; exits 2 with the reason when the store cannot give one."""
    from clusteratlas.study import diagnose, open_study

    table = source = None
    if io_table is not None:
        from clusteratlas.io.iotables import read_nbs_table

        table, source = read_nbs_table(io_table), f"file {io_table.name}"
    try:
        study = open_study(store, region, period, table, source, peers)
    except (KeyError, ValueError) as e:
        err.print(f"[red]{e.args[0] if e.args else e}[/red]")
        raise typer.Exit(2)
    return diagnose(study, settings or _settings())


@app.command()
def report(
    db: DbOption = DEFAULT_PATH,
    out: Annotated[Path, typer.Option(help="folder for report.html and report.xlsx")] = Path("report"),
    region: Annotated[Optional[str], typer.Option(help="region id (default: the one with most firms)")] = None,
    period: Annotated[Optional[str], typer.Option(help="e.g. 2006H1, 2006年1-6月, 2005 (default: latest)")] = None,
    io_table: Annotated[Optional[Path], typer.Option(help="national input-output table (NBS layout) for the "
                                                     "value-chain section (default: the newest in the store)")] = None,
    n_sim: NSimOption = None,
    seed: SeedOption = None,
    lang: LangOption = "zh",
    peers: Annotated[Optional[str], typer.Option(help="compare with these regions (comma-separated codes, up to 10) "
                                                "instead of the enclosing region's other counties")] = None,
) -> None:
    """Write the diagnostic report of a region from the store, in Chinese (default) or English."""
    from clusteratlas.report.html import build_report
    from clusteratlas.study.records import recorded_run

    _check_lang(lang)
    p, settings = _period_option(period), _settings(n_sim, seed)
    with _read_store(db) as store:
        d = _diagnosis(store, region, p, io_table, settings,
                       tuple(x.strip() for x in peers.split(",") if x.strip()) if peers else None)
        try:
            files = build_report(d, out, run=recorded_run(store), lang=lang)
        except ValueError as e:  # NotComputable included: what the data cannot give, said once
            _fail(f"report: {reason(e, lang)}")
    console.print(f"report: [bold]{files.html.resolve()}[/bold]\nworkbook: {files.xlsx.resolve()}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="folder for the report and the store")] = Path("demo"),
    lang: LangOption = "zh",
) -> None:
    """Load the bundled sample region into a fresh store and write its diagnostic report."""
    _check_lang(lang)
    import pandas as pd

    from clusteratlas.analyses.incentives import Ruleset, run
    from clusteratlas.io.importer import import_files
    from clusteratlas.io.iotables import import_io_table
    from clusteratlas.io.mapping import Mapping
    from clusteratlas.io.store import Store
    from clusteratlas.report.html import build_report
    from clusteratlas.sample import INCENTIVE_INPUTS, IO_TABLE, MAPPING, data_dir, sample_files
    from clusteratlas.study.records import record_contracts, record_run, recorded_run

    out.mkdir(parents=True, exist_ok=True)
    db = out / "sample.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(db.with_name(db.name + ".files"), ignore_errors=True)
    with Store(db) as store, _progress() as bar:
        task = bar.add_task("importing the sample region", total=1.0)
        result = import_files(store, sample_files(), mapping=Mapping.load(data_dir() / MAPPING),
                              progress=lambda msg, frac: bar.update(task, description=msg,
                                                                    completed=frac))
        record_contracts(store)  # contracts among the sample's match outcomes become supply links
        import_io_table(store, data_dir() / IO_TABLE, "sample national table (synthetic)", year=2017,
                        note="synthetic, 20 sectors, NBS layout: the sample's stand-in for a national table")
        rs = Ruleset.load("changsha_2005")  # recorded, so the report and the dashboard show the totals
        record_run(store, run(rs, pd.read_csv(data_dir() / INCENTIVE_INPUTS), 2006), rs,
                   label="sample: synthetic policy inputs")
        bar.update(task, description="writing the report", completed=1.0)
        d = _diagnosis(store)
        files = build_report(d, out, synthetic_note=translator(lang)(SYNTHETIC_NOTE), run=recorded_run(store), lang=lang)
    rows = result.rows
    console.print(f"sample region loaded into {db}: " + ", ".join(f"{k} {v}" for k, v in rows.items()))
    t = d.overview().totals.set_index("indicator")
    from clusteratlas.faces.numbers import money_text

    _ = translator(lang)
    said = _("Gross industrial output {output} ({growth}% on the year before); parks' share {share}%",
                            output=money_text(t.at["output", "value"], lang), growth=format(t.at['output', 'growth_pct'], "+.1f"),
                            share=format(t.at['park_share_of_output_pct', 'value'], ".1f"))
    console.print(said)
    console.print(f"report: [bold]{files.html.resolve()}[/bold]\nworkbook: {files.xlsx.resolve()}")


MEASURES = {  # name → kind: which column options apply
    "location_quotient": "regional", "hoover": "regional", "gini_localization": "regional",
    "gini_specialization": "regional", "herfindahl": "regional",
    "krugman_specialization": "regional", "krugman_concentration": "regional",
    "shift_share": "regional", "strong_clusters": "regional",
    "ellison_glaeser": "firm", "maurel_sedillot": "firm", "coagglomeration": "firm",
}


def _write_table(frame, out: Path | None) -> None:
    if out is None:
        console.print(frame.to_string(index=False, max_rows=60))
        return
    from clusteratlas.report.cells import neutralise

    suffix = out.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(out, index=False)
    elif suffix == ".xlsx":
        neutralise(frame).to_excel(out, index=False)
    else:
        neutralise(frame).to_csv(out, index=False, encoding="utf-8")
    console.print(f"{len(frame):,} rows written to {out}")


@app.command()
def measure(
    name: Annotated[str, typer.Argument(help="the measure: " + ", ".join(MEASURES))],
    input: Annotated[Optional[Path], typer.Option("--input", help="tidy CSV, XLSX or Parquet",
                                                  exists=True, dir_okay=False)] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="a store: its study region's comparison regions "
                                               "(regional measures) or its firms across parks (firm-level)")] = None,
    period: Annotated[Optional[str], typer.Option(help="with --db: the period (e.g. 2006H1); default latest")] = None,
    region: Annotated[str, typer.Option(help="region column")] = "region",
    industry: Annotated[str, typer.Option(help="industry column")] = "industry",
    value: Annotated[str, typer.Option(help="value column (a firm's size for firm-level measures)")] = "value",
    year: Annotated[Optional[str], typer.Option(help="year column, to compute every year at once")] = None,
    establishments: Annotated[Optional[str], typer.Option(help="establishments column (strong_clusters)")] = None,
    by: Annotated[Optional[str], typer.Option(help="herfindahl: industry|region; shift_share: cell|region")] = None,
    method: Annotated[Optional[str], typer.Option(help="shift_share or strong_clusters method")] = None,
    start: Annotated[Optional[int], typer.Option(help="shift_share start year")] = None,
    end: Annotated[Optional[int], typer.Option(help="shift_share end year")] = None,
    n_sim: Annotated[int, typer.Option(help="dartboard simulations (firm-level measures)")] = 0,
    seed: Annotated[Optional[int], typer.Option(help="random seed for simulations")] = None,
    out: Annotated[Optional[Path], typer.Option(help="write the result here (.csv, .xlsx, .parquet)")] = None,
) -> None:
    """Compute one cluster measure on a tidy file or on the store, and write it."""
    import clusteratlas.measures as M

    if name not in MEASURES:
        raise typer.BadParameter(f"unknown measure {name!r}; one of {', '.join(MEASURES)}")
    if (input is None) == (db is None):
        raise typer.BadParameter("give exactly one of --input FILE or --db STORE")
    kind = MEASURES[name]
    if input is not None:
        from clusteratlas.io.readers import read_table

        data = read_table(input)
    else:
        data, region, industry, value = _store_data(db, kind, _period_option(period), year)
        if name == "shift_share" or year is not None:
            year = "year"
    kwargs: dict = {"industry": industry, "region": region, "value": value}
    if kind == "firm" and n_sim:
        kwargs.update(n_sim=n_sim, seed=seed)
    optional = {"year": year, "establishments": establishments, "by": by, "method": method,
                "start": start, "end": end}
    kwargs.update({k: v for k, v in optional.items() if v is not None})
    try:
        result = getattr(M, name)(data, **kwargs)
    except (KeyError, ValueError, TypeError) as e:
        err.print(f"[red]{e.args[0] if e.args else e}[/red]")
        raise typer.Exit(2)
    _write_table(result, out)


@app.command("lq-map")
def lq_map_cmd(
    out: Annotated[Path, typer.Option(help="write the map here: .geojson (for QGIS), .html or .csv")],
    db: DbOption = DEFAULT_PATH,
    region: Annotated[Optional[str], typer.Option(help="region id (default: the one with most firms)")] = None,
    period: Annotated[Optional[str], typer.Option(help="e.g. 2006H1 (default: the latest)")] = None,
    industry: Annotated[Optional[str], typer.Option(help="GB/T 4754 division (default: the region's largest)")] = None,
) -> None:
    """The LQ of one industry in the region and its comparison regions, with their boundaries:
    GeoJSON for GIS software, an HTML choropleth, or a table."""
    import json

    from clusteratlas.report.figures import lq_choropleth
    from clusteratlas.report.geojson import feature_collection

    with _read_store(db) as store:
        d = _diagnosis(store, region, _period_option(period))
    try:
        frame = d.lq_map(industry)
    except (KeyError, ValueError) as e:
        _fail(f"lq-map: {e.args[0] if e.args else e}")
    suffix = out.suffix.lower()
    if suffix in (".geojson", ".json", ".html") and not frame["boundary"].notna().any():
        _fail("lq-map: no region of the map has a boundary, so no map was written; import the "
              "boundaries (clusteratlas import counties.geojson --db …) or write a table (--out lq.csv)"
              " / 地图中的地区都没有边界，未写出地图：请先导入行政区边界，或输出表格（--out lq.csv）")
    if suffix in (".geojson", ".json"):
        fc = feature_collection(frame.rename(columns={"region": "region_id"}), year=d.study.year,
                                month_to=d.study.month_to, industry=str(frame["industry"].iloc[0]))
        out.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    elif suffix == ".html":
        lq_choropleth(frame, f"LQ {frame['industry'].iloc[0]}", d.study.parks).write_html(out, include_plotlyjs=True)
    else:
        _write_table(frame.drop(columns="boundary"), out)
    console.print(f"LQ map of {frame['industry'].iloc[0]}: {frame['boundary'].notna().sum()} regions "
                  f"with boundaries → {out}")


@app.command()
def kdensity(
    input: Annotated[Optional[Path], typer.Option("--input", help="firms: CSV, XLSX or Parquet with sites",
                                                  exists=True, dir_okay=False)] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="a store: its study region's largest industries")] = None,
    period: Annotated[Optional[str], typer.Option(help="with --db: the period (e.g. 2006H1); default latest")] = None,
    industry: Annotated[str, typer.Option(help="--input: the industry column")] = "industry",
    of: Annotated[Optional[list[str]], typer.Option("--of", help="--input: industries (repeat); default all")] = None,
    x: Annotated[str, typer.Option(help="--input: longitude (or projected x) column")] = "lon",
    y: Annotated[str, typer.Option(help="--input: latitude (or projected y) column")] = "lat",
    weight: Annotated[Optional[str], typer.Option(help="--input: weight column (employment)")] = None,
    mode: Annotated[str, typer.Option(help="exact or binned (projected x/y only)")] = "exact",
    min_firms: Annotated[int, typer.Option(help="--input: skip industries with fewer firms")] = 10,
    n_sim: NSimOption = None,
    seed: SeedOption = None,
    scheduler: Annotated[Optional[str], typer.Option(help="--input: a dask scheduler address "
                                                     "(tcp://…) to run the industries on")] = None,
    out: Annotated[Optional[Path], typer.Option(help="write the table here (.csv, .xlsx, .parquet)")] = None,
) -> None:
    """Duranton–Overman K-density with envelopes: which industries are localised (Γ > 0) or
    dispersed (Ψ > 0), on a firm file or on the store's study region (its largest industries,
    as the report and the dashboard show them)."""
    if (input is None) == (db is None):
        raise typer.BadParameter("give exactly one of --input FILE or --db STORE")
    try:
        if db is not None:

            with _read_store(db) as store:
                d = _diagnosis(store, None, _period_option(period), settings=_settings(n_sim, seed))
            result = d.distance().summary
        else:
            from clusteratlas.io.readers import read_table
            from clusteratlas.measures import kdensity_all

            data = read_table(input)
            kwargs = dict(industry=industry, industries=of, min_firms=min_firms, x=x, y=y, weight=weight,
                          mode=mode, n_sim=n_sim if n_sim is not None else 999, seed=seed, progress=True)
            if scheduler:
                from distributed import Client

                with Client(scheduler) as client:
                    result = kdensity_all(data, engine="dask", client=client, **kwargs)
            else:
                result = kdensity_all(data, **kwargs)
    except (KeyError, ValueError) as e:
        err.print(f"[red]kdensity: {e.args[0] if e.args else e}[/red]")
        raise typer.Exit(2)
    _write_table(result, out)


def _store_data(db: str, kind: str, period, year):
    """Tidy input from the store's study: regional output by division of the comparison regions
    for one period (every period with --year), or the study region's firms with employment as
    their value and parks as regions."""
    from clusteratlas.analyses.clusters import in_period, park_firms

    with _read_store(db) as store:
        study = _diagnosis(store, None, period).study
    if kind == "regional":
        vals = study.values("output")
        vals = in_period(vals, study.year, study.month_to) if year is None else \
            vals[vals.month_to == study.month_to]
        return vals, "region", "industry", "output"
    t = study.tables
    return park_firms(t["firms"], t["firm_years"], study.region, study.year, study.month_to), \
        "park", "industry", "employment"


@app.command()
def recommend(
    region_id: Annotated[str, typer.Argument(help="the region to recommend industries for")],
    db: Annotated[Optional[str], typer.Option("--db", help="a store (regional output by division)")] = None,
    input: Annotated[Optional[Path], typer.Option("--input", help="tidy region × industry values",
                                                  exists=True, dir_okay=False)] = None,
    period: Annotated[Optional[str], typer.Option(help="with --db: the period (default latest)")] = None,
    region: Annotated[str, typer.Option(help="region column (--input)")] = "region",
    industry: Annotated[str, typer.Option(help="industry column (--input)")] = "industry",
    value: Annotated[str, typer.Option(help="value column (--input)")] = "value",
    strategy: Annotated[str, typer.Option(help="low_hanging, balanced or long_jumps")] = "balanced",
    linkages: Annotated[Optional[Path], typer.Option(help="CSV: industry_from, industry_to, coefficient")] = None,
    top: Annotated[int, typer.Option(help="how many to list")] = 20,
    out: Annotated[Optional[Path], typer.Option(help="write the table (.csv, .xlsx, .parquet)")] = None,
) -> None:
    """Rank the industries a region could attract, with the reason for each."""
    from clusteratlas.analyses.recommend import opportunities
    from clusteratlas.io.readers import read_table

    if (input is None) == (db is None):
        raise typer.BadParameter("give exactly one of --input FILE or --db STORE")
    if input is not None:
        data = read_table(input)
    else:
        data, region, industry, value = _store_data(db, "regional", _period_option(period), None)
    link = read_table(linkages) if linkages is not None else None
    try:
        result = opportunities(data, region_id, region=region, industry=industry, value=value,
                               strategy=strategy, linkages=link, top=top)
    except (KeyError, ValueError) as e:
        _fail(f"recommend: {e.args[0] if e.args else e}")
    _write_table(result.table, out)


chain_app = typer.Typer(help="Value chains: the chain map, missing links, supporting rates, project impact; "
                              "and the chain office's work (链长制): ledgers, tasks, roles, exports.",
                         no_args_is_help=True)
app.add_typer(chain_app, name="chain")


def _chain_view(what: str):
    """The command of one of the input-output views of a cluster's chain."""
    def command(
        db: DbOption = DEFAULT_PATH,
        io_table: Annotated[Optional[Path], typer.Option(help="national input-output table, NBS layout "
                                                         "(default: the newest in the store)")] = None,
        region: Annotated[Optional[str], typer.Option(help="region id (default: the one with most firms)")] = None,
        focal: Annotated[Optional[str], typer.Option(help="focal division for map/impact (default: the largest)")] = None,
        output: Annotated[Optional[float], typer.Option(help="impact: the project's annual output, CNY")] = None,
        jobs: Annotated[Optional[float], typer.Option(help="impact: the project's jobs")] = None,
        out: Annotated[Optional[Path], typer.Option(help="write the table (.csv, .xlsx, .parquet)")] = None,
    ) -> None:
        import pandas as pd

        from clusteratlas.study import NotComputable

        if what == "impact" and output is None:
            raise typer.BadParameter("impact needs --output (CNY per year)")
        with _read_store(db) as store:
            d = _diagnosis(store, region, None, io_table)
        try:
            c = d.chain(None if what == "impact" else focal)
            if what == "map":
                result = pd.DataFrame([{"from": a, "to": b, **x} for a, b, x in c.graph.edges(data=True)])
            elif what == "gaps":
                result = c.gaps
            elif what == "rates":
                result = c.rates
            else:
                result = d.project_impact(focal or c.focal, output, jobs).table
        except (NotComputable, KeyError) as e:
            _fail(f"chain: {e.args[0] if e.args else e}")
        _write_table(result, out)
    command.__doc__ = {"map": "The chain map of a cluster (input-output): suppliers and buyers of the focal sector.",
                       "gaps": "Missing links: supplier sectors ranked by the leakage out of the region.",
                       "rates": "Leading firms' local supporting rate (本地配套率) by year.",
                       "impact": "The direct, indirect and induced effects of a project's annual output."}[what]
    return command


for _what in ("map", "gaps", "rates", "impact"):
    chain_app.command(_what)(_chain_view(_what))

ChainArg = Annotated[str, typer.Argument(help="the chain (clusteratlas chain templates lists them), "
                                              "e.g. petroleum_machinery")]
ByOption = Annotated[str, typer.Option("--by", help="who makes the change (kept with it)")]


@chain_app.command("templates")
def chain_templates_cmd(db: Annotated[Optional[str], typer.Option("--db", help="a store: its own chains too")] = None) -> None:
    """The chains there are: the shipped templates and the store's own."""
    from rich.table import Table

    from clusteratlas.study.chains import chain_templates

    if db is None:
        frame = chain_templates()
    else:
        with _read_store(db) as store:
            frame = chain_templates(store)
    t = Table("chain", "名称", "name", "links", "source")
    for r in frame.itertuples(index=False):
        t.add_row(r.name, r.name_zh, r.name_en, str(r.links), r.source)
    console.print(t)


@chain_app.command("add")
def chain_add(
    file: Annotated[Path, typer.Argument(help="a chain template (YAML)", exists=True, dir_okay=False)],
    by: ByOption,
    db: DbOption = DEFAULT_PATH,
) -> None:
    """Keep your office's own chain template in the store (checked first)."""
    from clusteratlas.io.store import Store
    from clusteratlas.study.chains import add_chain_template

    with Store(db) as store:
        try:
            template_id = add_chain_template(store, file.read_text(encoding="utf-8"), by)
        except ValueError as e:
            _fail(f"{file.name}: {e}")
    console.print(f"chain template {template_id} ({file.name}) kept in {_shown(db)}")


def _chain_ledger(store, chain_id: str, region, io_table):
    from clusteratlas.study import NotComputable
    from clusteratlas.study.chains import chain_template

    d = _diagnosis(store, region, None, io_table)
    try:
        return d, d.chain_ledger(chain_template(chain_id, store))
    except (NotComputable, KeyError) as e:
        _fail(f"chain: {e.args[0] if e.args else e}")


@chain_app.command("ledger")
def chain_ledger_cmd(
    chain: ChainArg,
    db: DbOption = DEFAULT_PATH,
    region: Annotated[Optional[str], typer.Option(help="region id (default: the one with most firms)")] = None,
    io_table: Annotated[Optional[Path], typer.Option(help="national input-output table, NBS layout "
                                                     "(default: the newest in the store)")] = None,
    out: Annotated[Optional[Path], typer.Option(help="write the link table (.csv, .xlsx, .parquet)")] = None,
) -> None:
    """A chain's ledger (产业链台账): its links classified 强链/补链/延链/在链 with the evidence, its
    leading firms' supporting rate and the firms to attract."""
    from rich.table import Table

    with _read_store(db) as store:
        d, ledger = _chain_ledger(store, chain, region, io_table)
    if out is not None:
        _write_table(ledger.links, out)
        return
    t = Table("环节", "链条环节", "状态", "本地企业", "本地配套%", "依据", title=f"{d.study.name} {ledger.chain.name_zh}（{ledger.year}年）")
    for r in ledger.links.itertuples(index=False):
        share = "—" if r.local_share_pct != r.local_share_pct else f"{r.local_share_pct:.0f}"
        t.add_row(r.stage_zh, r.name_zh, r.status_zh, str(r.firms), share, r.evidence_zh)
    console.print(t)
    for r in ledger.supporting_rates.itertuples(index=False):
        console.print(f"链主 {r.name} {r.year}年本地配套率 {r.rate_pct:.1f}%（目标 "
                      + "、".join(f"{x:g}%" for x in ledger.rate_targets) + "）")
    for r in ledger.targets[ledger.targets["rank"] == 1].itertuples(index=False):
        console.print(f"招商首选 {r.link_zh}：{r.name}（{r.reasons_zh}）")


@chain_app.command("export")
def chain_export(
    chain: ChainArg,
    out: Annotated[Path, typer.Option(help="the folder to write into")],
    db: DbOption = DEFAULT_PATH,
    region: Annotated[Optional[str], typer.Option(help="region id (default: the one with most firms)")] = None,
    io_table: Annotated[Optional[Path], typer.Option(help="national input-output table, NBS layout")] = None,
    lang: LangOption = "zh",
) -> None:
    """一链一图、一表、一清单: the chain's map, link table and task list as a printable HTML page and
    an XLSX workbook."""
    from clusteratlas.report.chain import write_chain_page, write_chain_workbook
    from clusteratlas.study.chains import roles, tasks

    with _read_store(db) as store:
        d, ledger = _chain_ledger(store, chain, region, io_table)
        open_ = tasks(store, ledger.chain.id, ledger.region)
        held = roles(store, ledger.chain.id, ledger.region)
    names = d.study.tables["firms"].set_index("firm_id")["name"].to_dict()
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{ledger.chain.id}_{ledger.region}_{ledger.year}"
    page = write_chain_page(ledger, open_, held, out / f"{stem}.html", region_name=d.study.name, firm_names=names, lang=lang)
    book = write_chain_workbook(ledger, open_, held, out / f"{stem}.xlsx", region_name=d.study.name, firm_names=names,
                                lang=lang)
    console.print(f"page: {page}\nworkbook: {book}")


tasks_app = typer.Typer(help="A chain's tasks (open problems): each change kept.", no_args_is_help=True)
chain_app.add_typer(tasks_app, name="tasks")


@tasks_app.command("list")
def tasks_list(
    chain: Annotated[Optional[str], typer.Argument(help="only this chain")] = None,
    db: DbOption = DEFAULT_PATH,
    region: Annotated[Optional[str], typer.Option(help="only this region")] = None,
    all_: Annotated[bool, typer.Option("--all", help="done and dropped ones too")] = False,
) -> None:
    """The tasks as they stand, overdue first."""
    from rich.table import Table

    from clusteratlas.study.chains import tasks

    with _read_store(db) as store:
        frame = tasks(store, chain, region, open_only=not all_)
    t = Table("#", "chain", "link", "task", "owner", "due", "status", "overdue", "note")
    for r in frame.itertuples(index=False):
        due = "—" if r.due_date is None or r.due_date != r.due_date else str(r.due_date)[:10]
        t.add_row(str(r.task_id), r.chain_id, r.link_id or "—", r.title, r.owner, due, r.status_zh,
                  "超期" if r.overdue else "", r.note if isinstance(r.note, str) else "")
    console.print(t)


@tasks_app.command("add")
def tasks_add(
    chain: ChainArg,
    title: Annotated[str, typer.Option(help="the problem, in a line")],
    owner: Annotated[str, typer.Option(help="who is to solve it (person or department)")],
    by: ByOption,
    region: Annotated[str, typer.Option(help="the region")],
    db: DbOption = DEFAULT_PATH,
    due: Annotated[Optional[str], typer.Option(help="due date, YYYY-MM-DD")] = None,
    link: Annotated[Optional[str], typer.Option(help="the link it concerns")] = None,
    firm: Annotated[Optional[str], typer.Option(help="the firm it concerns (id)")] = None,
    note: Annotated[Optional[str], typer.Option(help="a first note")] = None,
) -> None:
    """Open a task of a chain."""
    from clusteratlas.io.store import Store
    from clusteratlas.study.chains import open_task

    with Store(db) as store:
        try:
            task_id = open_task(store, chain, region, title, owner, by, due_date=due, link_id=link, firm_id=firm,
                                note=note)
        except (ValueError, KeyError) as e:
            _fail(e.args[0] if e.args else str(e))
    console.print(f"task {task_id} opened")


@tasks_app.command("update")
def tasks_update(
    task_id: Annotated[int, typer.Argument(help="the task")],
    by: ByOption,
    db: DbOption = DEFAULT_PATH,
    status: Annotated[Optional[str], typer.Option(help="open, in_progress, done or dropped")] = None,
    owner: Annotated[Optional[str], typer.Option(help="a new owner")] = None,
    due: Annotated[Optional[str], typer.Option(help="a new due date, YYYY-MM-DD")] = None,
    note: Annotated[Optional[str], typer.Option(help="what happened")] = None,
) -> None:
    """Change a task (kept beside its earlier states)."""
    from clusteratlas.io.store import Store
    from clusteratlas.study.chains import update_task

    with Store(db) as store:
        try:
            update_task(store, task_id, by, status=status, owner=owner, due_date=due, note=note)
        except ValueError as e:
            _fail(str(e))
    console.print(f"task {task_id} updated")


@tasks_app.command("history")
def tasks_history(task_id: Annotated[int, typer.Argument(help="the task")], db: DbOption = DEFAULT_PATH) -> None:
    """Every state of a task: who changed what, when."""
    from clusteratlas.study.chains import task_history

    with _read_store(db) as store:
        try:
            h = task_history(store, task_id)
        except ValueError as e:
            _fail(str(e))
    for r in h.itertuples(index=False):
        console.print(f"{r.changed_at:%Y-%m-%d %H:%M} {r.actor}: {r.status} · {r.owner} · "
                      f"{'' if r.due_date is None or r.due_date != r.due_date else str(r.due_date)[:10]}"
                      f"{' · ' + r.note if isinstance(r.note, str) else ''}")


roles_app = typer.Typer(help="Who holds a chain's roles: its 链长 (an official) and 链主 (leading firms).",
                        no_args_is_help=True)
chain_app.add_typer(roles_app, name="roles")


@roles_app.command("list")
def roles_list(chain: Annotated[Optional[str], typer.Argument(help="only this chain")] = None,
               db: DbOption = DEFAULT_PATH) -> None:
    """The chains' roles and their holders now."""
    from clusteratlas.study.chains import roles

    with _read_store(db) as store:
        frame = roles(store, chain)
        names = store.table("firms").set_index("firm_id")["name"].to_dict()
    for r in frame.itertuples(index=False):
        who = names.get(r.holder, r.holder) if r.role == "leader_firm" else r.holder
        console.print(f"{r.chain_id} {r.region_id} {r.role_zh}: {who}{'（' + r.title + '）' if isinstance(r.title, str) else ''}"
                      f" since {r.since:%Y-%m-%d}")


@roles_app.command("assign")
def roles_assign(
    chain: ChainArg,
    role: Annotated[str, typer.Argument(help="chief (链长) or leader_firm (链主)")],
    holder: Annotated[str, typer.Argument(help="the official's name, or the firm's id")],
    by: ByOption,
    region: Annotated[str, typer.Option(help="the region")],
    db: DbOption = DEFAULT_PATH,
    title: Annotated[Optional[str], typer.Option(help="the official's post")] = None,
    end: Annotated[bool, typer.Option(help="stand the holder down instead")] = False,
) -> None:
    """Name a chain's 链长 or one of its 链主 (or, with --end, stand them down)."""
    from clusteratlas.io.store import Store
    from clusteratlas.study.chains import assign_role

    with Store(db) as store:
        try:
            assign_role(store, chain, region, role, holder, by, title=title, end=end)
        except (ValueError, KeyError) as e:
            _fail(e.args[0] if e.args else str(e))
    console.print(f"{chain}: {role} {holder} {'stood down' if end else 'assigned'}")


alerts_app = typer.Typer(help="Early warnings (预警): run the rules, list the warnings, mark them seen or handled.",
                          no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("run")
def alerts_run(
    by: ByOption,
    db: DbOption = DEFAULT_PATH,
    region: Annotated[Optional[str], typer.Option(help="region id (default: the one with most firms)")] = None,
    period: Annotated[Optional[str], typer.Option(help="the period (e.g. 2006H1); default latest")] = None,
    as_of: Annotated[Optional[str], typer.Option(help="the date projects are judged at, YYYY-MM-DD (default today)")] = None,
    ruleset: Annotated[Optional[Path], typer.Option(help="your own alert ruleset (YAML); default the shipped one",
                                                    exists=True, dir_okay=False)] = None,
    param: Annotated[Optional[list[str]], typer.Option(help="a parameter, NAME=VALUE (repeat)")] = None,
) -> None:
    """Run the early-warning rules on the store and record the run: new warnings are kept as
    new; those found before keep their state."""
    import datetime as dt

    from clusteratlas.analyses.alerts import AlertRuleset
    from clusteratlas.io.periods import parse_period
    from clusteratlas.io.store import Store
    from clusteratlas.study.alerts import run_alerts

    try:
        rules = AlertRuleset.parse(ruleset.read_text(encoding="utf-8")) if ruleset else AlertRuleset.load()
        given = {}
        for p in param or []:
            name, _, value = p.partition("=")
            if name not in rules.parameters:
                raise ValueError(f"--param {p}: the ruleset has no parameter {name!r} "
                                 f"(it has {', '.join(rules.parameters)})")
            given[name] = float(value)
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError as e:
        _fail(str(e))
    with Store(db) as store:
        d = _diagnosis(store, region, parse_period(period) if period else None)
        result = run_alerts(store, d, by, rules, day, given)
    console.print(f"run {result['run_id']}: {result['alerts']} warnings, {result['new']} new")


@alerts_app.command("list")
def alerts_list(
    db: DbOption = DEFAULT_PATH,
    state: Annotated[Optional[str], typer.Option(help="only new, seen or handled ones")] = None,
    region: Annotated[Optional[str], typer.Option(help="only this region")] = None,
    lang: LangOption = "zh",
) -> None:
    """The warnings as they stand, newest first."""
    from rich.table import Table

    from clusteratlas.analyses.alerts.rules import SEVERITY_ZH
    from clusteratlas.study.alerts import alerts

    with _read_store(db) as store:
        frame = alerts(store, region_id=region, state=state)
    zh = lang == "zh"
    t = Table("#", "级别" if zh else "severity", "预警" if zh else "warning", "说明" if zh else "message",
              "状态" if zh else "state")
    for r in frame.itertuples(index=False):
        t.add_row(str(r.alert_id), SEVERITY_ZH[r.severity] if zh else r.severity, r.title_zh if zh else r.title_en,
                  r.message_zh if zh else r.message_en, r.state_zh if zh else r.state)
    console.print(t)


@alerts_app.command("mark")
def alerts_mark(
    alert_id: Annotated[int, typer.Argument(help="the warning")],
    state: Annotated[str, typer.Argument(help="seen or handled")],
    by: ByOption,
    db: DbOption = DEFAULT_PATH,
    note: Annotated[Optional[str], typer.Option(help="how it was handled (required for handled)")] = None,
) -> None:
    """Mark a warning seen, or handled with a note (kept beside its earlier states)."""
    from clusteratlas.io.store import Store
    from clusteratlas.study.alerts import mark_alert

    with Store(db) as store:
        try:
            mark_alert(store, alert_id, state, by, note)
        except ValueError as e:
            _fail(str(e))
    console.print(f"alert {alert_id}: {state}")


desk_app = typer.Typer(help="The services desk (企业服务台): the firms' requests and complaints.", no_args_is_help=True)
app.add_typer(desk_app, name="desk")


@desk_app.command("list")
def desk_list(
    db: DbOption = DEFAULT_PATH,
    open_only: Annotated[bool, typer.Option("--open", help="only those not closed")] = False,
    report: Annotated[bool, typer.Option(help="the counts and response times per department and park instead")] = False,
) -> None:
    """The requests as they stand, overdue first (or, with --report, per department and park)."""
    from rich.table import Table

    from clusteratlas.study import desk

    with _read_store(db) as store:
        frame = desk.requests(store)
    if report:
        t = Table("承办部门", "园区", "受理", "未办结", "超期", "已答复", "答复用时中位数(小时)")
        for r in desk.desk_report(frame).itertuples(index=False):
            hours = "—" if r.median_response_hours != r.median_response_hours else f"{r.median_response_hours:.1f}"
            t.add_row(r.department, str(r.park_id), str(r.filed), str(int(r.open)), str(int(r.overdue)),
                      str(int(r.answered)), hours)
        console.print(t)
        return
    if open_only:
        frame = frame[frame["state"] != "closed"]
    t = Table("#", "企业", "类别", "承办部门", "标题", "状态", "答复时限", "超期")
    for r in frame.sort_values(["overdue", "request_id"], ascending=[False, True]).itertuples(index=False):
        due = "—" if r.due != r.due or r.due is None else str(r.due)[:16]
        t.add_row(str(r.request_id), r.firm_id, r.category_zh, r.department, r.title, r.state_zh, due,
                  "超期" if r.overdue else "")
    console.print(t)


classes_app = typer.Typer(help="Traded and local industries (外向型/本地型产业) as a recorded decision: save the "
                               "classification, override an industry with a reason, list what is in force.",
                          no_args_is_help=True)
app.add_typer(classes_app, name="classes")


def _class_view(store, region, period):
    from clusteratlas.study.diagnosis import NotComputable

    d = _diagnosis(store, region, _period_option(period))
    try:
        return d, d.portfolio()
    except NotComputable as e:
        _fail(str(e))


_ClassRegion = Annotated[Optional[str], typer.Option("--region", help="region id (default: the one with most firms)")]
_ClassPeriod = Annotated[Optional[str], typer.Option("--period", help="the period (e.g. 2006H1); default latest")]


@classes_app.command("list")
def classes_list(
    db: DbOption = DEFAULT_PATH,
    region: _ClassRegion = None,
    period: _ClassPeriod = None,
    lang: LangOption = "zh",
) -> None:
    """Each industry's class in force, the class computed now (locational Gini against the cut)
    and where the one in force comes from."""
    import pandas as pd
    from rich.table import Table

    from clusteratlas.faces import translator
    from clusteratlas.faces.numbers import number
    from clusteratlas.report.tables import class_from, industry_names

    with _read_store(db) as store:
        d, view = _class_view(store, region, period)
    _ = translator(lang)
    c = view.classes
    title = _("{region}: traded and local industries ({n} regions, cut {cut})", region=d.study.name,
              n=view.class_regions, cut=number(c["threshold"].iloc[0], 3, lang))
    t = Table(_("Industry"), _("Locational Gini"), _("Computed now"), _("In force"), _("Class from"), title=title)
    word = {True: _("traded"), False: _("local")}
    for name, r in zip(industry_names(c["industry"], lang), c.itertuples(index=False)):
        t.add_row(name, "—" if pd.isna(r.gini) else number(r.gini, 3, lang),
                  "—" if pd.isna(r.computed_traded) else word[bool(r.computed_traded)],
                  "—" if pd.isna(r.traded) else word[bool(r.traded)], class_from(r._asdict(), lang))
    console.print(t)


@classes_app.command("save")
def classes_save(
    by: ByOption,
    db: DbOption = DEFAULT_PATH,
    region: _ClassRegion = None,
    period: _ClassPeriod = None,
) -> None:
    """Record the classification computed now (overrides stay in force)."""
    from clusteratlas.io.store import Store
    from clusteratlas.study.classes import ClassRefused, save_classes

    with Store(db) as store:
        d, _ = _class_view(store, region, period)
        try:
            n = save_classes(store, d, by)
        except ClassRefused as e:
            _fail(str(e))
    console.print(f"{d.study.region}: {n} industries saved")


@classes_app.command("set")
def classes_set(
    industry: Annotated[str, typer.Argument(help="the industry (division code, e.g. 35)")],
    to: Annotated[str, typer.Argument(help="traded, local, or computed (withdraw the override)")],
    by: ByOption,
    reason: Annotated[str, typer.Option(help="why (kept with the override)")],
    db: DbOption = DEFAULT_PATH,
    region: _ClassRegion = None,
    period: _ClassPeriod = None,
) -> None:
    """Override an industry's class with a reason, or withdraw the override."""
    from clusteratlas.io.store import Store
    from clusteratlas.study.classes import ClassRefused, override_class

    if to not in ("traded", "local", "computed"):
        _fail(f"{to!r}: say traded, local or computed")
    with Store(db) as store:
        d, view = _class_view(store, region, period)
        try:
            override_class(store, d.study.region, industry, {"traded": True, "local": False}.get(to), reason, by,
                           known=set(view.classes["industry"].astype(str)))
        except ClassRefused as e:
            _fail(str(e))
    console.print(f"{d.study.region}: {industry} {to}")


iotable_app = typer.Typer(help="Input-output tables kept in the store.", no_args_is_help=True)
app.add_typer(iotable_app, name="io-table")


@iotable_app.command("import")
def iotable_import(
    file: Annotated[Path, typer.Argument(help="an NBS-layout table (CSV or XLSX)", exists=True, dir_okay=False)],
    db: DbOption = DEFAULT_PATH,
    name: Annotated[Optional[str], typer.Option(help="a name for the table (default: the file's)")] = None,
    year: Annotated[Optional[int], typer.Option(help="the year the table describes")] = None,
    region: Annotated[Optional[str], typer.Option(help="whose economy it describes (region id)")] = None,
    unit: Annotated[Optional[str], typer.Option(help="money unit if the file does not say (万元, 亿元 …)")] = None,
) -> None:
    """Read an input-output table and keep it in the store (append-only, with its file's hash)."""
    from clusteratlas.io.iotables import import_io_table, list_io_tables
    from clusteratlas.io.store import Store

    with Store(db) as store:
        try:
            table_id = import_io_table(store, file, name, year=year, region_id=region, unit=unit)
        except ValueError as e:
            err.print(f"[red]{e}[/red]")
            raise typer.Exit(2)
        row = list_io_tables(store).set_index("table_id").loc[table_id]
    console.print(f"input-output table {table_id} ({row['name']}, {row['sectors']} sectors) kept in {db}")


@iotable_app.command("list")
def iotable_list(db: DbOption = DEFAULT_PATH) -> None:
    """The input-output tables in the store, newest first."""
    from clusteratlas.io.iotables import list_io_tables

    with _read_store(db) as store:
        _write_table(list_io_tables(store), None)


incentives_app = typer.Typer(help="Incentive policies as code: run, scan, test, explain, add, list.", no_args_is_help=True)
app.add_typer(incentives_app, name="incentives")


def _ruleset(name: str, store=None):
    """A YAML file, a shipped ruleset, or (with a store) the newest of that name in it."""
    from clusteratlas.analyses.incentives import Ruleset
    from clusteratlas.study.records import load_ruleset

    try:
        if Path(name).suffix in (".yaml", ".yml"):
            return Ruleset.load(name)
        return load_ruleset(name, store)
    except (ValueError, OSError) as e:
        err.print(f"[red]ruleset: {e}[/red]")
        raise typer.Exit(2)


@incentives_app.command("add")
def incentives_add(
    file: Annotated[Path, typer.Argument(help="the ruleset, YAML", exists=True, dir_okay=False)],
    db: DbOption = DEFAULT_PATH,
    cases: Annotated[Optional[Path], typer.Option(help="its test cases, YAML: all must pass",
                                                  exists=True, dir_okay=False)] = None,
    author: Annotated[Optional[str], typer.Option(help="who adds it")] = None,
) -> None:
    """Add a ruleset to the store (checked against its test cases), for runs and the service."""
    from clusteratlas.analyses.incentives import RulesetRejected
    from clusteratlas.io.store import Store
    from clusteratlas.study.records import add_ruleset

    with Store(db) as store:
        try:
            ruleset_id = add_ruleset(store, file.read_text(encoding="utf-8"),
                                     cases.read_text(encoding="utf-8") if cases else None, author)
        except RulesetRejected as e:
            err.print(f"[red]ruleset rejected: {e}[/red]")
            for _, r in e.failures.iterrows():
                err.print(f"  FAIL {r.case}: {r.check} — {r.detail}")
            raise typer.Exit(2)
    console.print(f"ruleset {ruleset_id} added to {db}")


@incentives_app.command("list")
def incentives_list(db: DbOption = DEFAULT_PATH) -> None:
    """Rulesets a run may use: shipped ones and the store's."""
    from clusteratlas.study.records import rulesets

    with _read_store(db) as store:
        _write_table(rulesets(store), None)


@incentives_app.command("run")
def incentives_run(
    year: Annotated[int, typer.Option(help="the year evaluated")],
    entities: Annotated[Optional[Path], typer.Option(help="CSV/XLSX of entities (entity_id, entity, inputs…)",
                                                     exists=True, dir_okay=False)] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="build entities from a store instead")] = None,
    region: Annotated[Optional[str], typer.Option(help="with --db: the region")] = None,
    ruleset: Annotated[str, typer.Option(help="a YAML path, a shipped ruleset, or one added to the store "
                                               "(with --db)")] = "changsha_2005",
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="what-if: param=value (repeatable)")] = None,
    save: Annotated[bool, typer.Option(help="with --db: record the run and its lines in the store")] = False,
    out: Annotated[Optional[Path], typer.Option(help="write the award lines (.csv, .xlsx, .parquet)")] = None,
) -> None:
    """Evaluate a ruleset for all entities of a year: award lines and totals by rule and payer."""
    from rich.table import Table

    from clusteratlas.analyses.incentives.engine import entities as store_entities, run
    from clusteratlas.io.readers import read_table
    from clusteratlas.io.store import Store
    from clusteratlas.study.records import record_run

    overrides = {}
    for item in set_ or []:
        k, _, v = item.partition("=")
        overrides[k.strip()] = float(v)
    if (entities is None) == (db is None):
        raise typer.BadParameter("give exactly one of --entities FILE or --db STORE")
    if entities is not None:
        rs = _ruleset(ruleset)
        frame = read_table(entities)
        store = None
    else:
        store = Store(db, read_only=not save)
        rs = _ruleset(ruleset, store)
        study = _diagnosis(store, region).study
        t = study.tables
        frame = store_entities(t["firms"], t["firm_years"], t["projects"], study.region, year,
                               study.key_divisions)
    try:
        result = run(rs, frame, year, overrides)
    except KeyError as e:
        err.print(f"[red]incentives: {e}[/red]")
        raise typer.Exit(2)
    if store is not None:
        if save:
            console.print(f"run {record_run(store, result, rs)} recorded in {db}")
        store.close()
    t = Table(title=f"{rs.metadata.get('title_zh', ruleset)} — {year} (ruleset {result.ruleset_sha256[:12]})")
    for col in ("rule", "payer", "amount (CNY)"):
        t.add_column(col)
    for _, r in result.totals().iterrows():
        t.add_row(r.rule_id, r.payer, f"{r.amount:,.0f}")
    console.print(t)
    decisions = result.lines[result.lines.status == "for decision"]
    if len(decisions):
        console.print(f"{len(decisions)} line(s) for the committee to decide (no amount computed)")
    for _, r in result.skipped.iterrows():
        console.print(f"[yellow]not evaluated[/yellow] {r.rule_id} ({r.clause}): missing {r.missing_inputs}")
    if out is not None:
        _write_table(result.lines, out)


@incentives_app.command("scan")
def incentives_scan(
    year: Annotated[int, typer.Option(help="the year scanned")],
    db: DbOption = DEFAULT_PATH,
    ruleset: Annotated[Optional[str], typer.Option(help="one ruleset (default: every shipped and stored one)")] = None,
    region: Annotated[Optional[str], typer.Option(help="the region (default: the study region)")] = None,
    inputs: Annotated[Optional[Path], typer.Option(help="CSV/XLSX of inputs the office records beside the store "
                                                   "(entity_id[, entity], inputs…)", exists=True, dir_okay=False)] = None,
    key_industries: Annotated[Optional[str], typer.Option(
        help="industry codes the policy's named clusters stand for, comma-separated (default: the "
             "industries of the store's targets)")] = None,
    unclaimed: Annotated[bool, typer.Option(help="write only the eligible awards nobody has claimed yet")] = False,
    out: Annotated[Optional[Path], typer.Option(help="write every entity × rule outcome (.csv, .xlsx, .parquet)")] = None,
) -> None:
    """Scan every firm, project and park of the store against every rule (免申即享): eligible
    (with the amount and why), not eligible (which conditions fail), or undecidable (which
    inputs are missing, and where to record them)."""
    import pandas as pd
    from rich.table import Table

    from clusteratlas.io.readers import read_table
    from clusteratlas.study.eligibility import scan_store

    from clusteratlas.analyses.incentives.claims import unclaimed as unclaimed_awards
    from clusteratlas.study.claims import claims

    extra = read_table(inputs) if inputs is not None else None
    with _read_store(db) as store:
        try:
            keys = [k.strip() for k in key_industries.split(",") if k.strip()] if key_industries else None
            scans = scan_store(store, year, ruleset, region, extra, keys)
        except (KeyError, ValueError) as e:
            _fail(f"incentives scan: {e}")
        ledger = claims(store)
    for sc in scans:
        o = sc.outcomes
        rs_id = o["ruleset"].iloc[0] if len(o) else ruleset
        t = Table(title=f"{rs_id} — {year}: {o['entity_id'].nunique()} entities × rules")
        for col in ("rule", "clause", "eligible", "not eligible", "undecidable", "amount due (CNY)", "missing inputs"):
            t.add_column(col)
        for _, r in sc.summary().iterrows():
            t.add_row(r.rule_id, r.clause, str(r.eligible), str(r.not_eligible), str(r.undecidable),
                      "—" if pd.isna(r.amount) else f"{r.amount:,.0f}", r.missing_inputs or "")
        console.print(t)
    outcomes = pd.concat([sc.outcomes for sc in scans], ignore_index=True)
    if unclaimed:
        outcomes = unclaimed_awards(outcomes, ledger, year)
        console.print(f"{len(outcomes)} eligible award(s) of CNY {outcomes['amount'].sum():,.0f} unclaimed")
    if out is not None:
        _write_table(outcomes, out)


@incentives_app.command("claim")
def incentives_claim(
    run_id: Annotated[int, typer.Option("--run", help="the recorded run the award line is in")],
    entity: Annotated[str, typer.Option(help="the firm, project, park or guarantor")],
    rule: Annotated[str, typer.Option(help="the rule id")],
    year: Annotated[int, typer.Option(help="the year the award is for")],
    payer: Annotated[str, typer.Option(help="who pays the line (city, county, tax, …)")],
    by: Annotated[str, typer.Option(help="who records the claim")],
    db: DbOption = DEFAULT_PATH,
    amount: Annotated[Optional[float], typer.Option(help="CNY claimed (default: the award line's)")] = None,
    note: Annotated[Optional[str], typer.Option(help="a note")] = None,
) -> None:
    """申报: open a claim in the ledger for an award line of a recorded run."""
    from clusteratlas.analyses.incentives.claims import ClaimRefused
    from clusteratlas.io.store import Store
    from clusteratlas.study.claims import claim_award

    with Store(db) as store:
        try:
            claim_id = claim_award(store, run_id, entity, rule, year, payer, actor=by, role="cli",
                                   amount=amount, note=note)
        except (ClaimRefused, KeyError) as e:
            _fail(f"claim refused: {e}")
    console.print(f"claim {claim_id} recorded")


@incentives_app.command("decide")
def incentives_decide(
    claim_id: Annotated[int, typer.Argument(help="the claim")],
    event: Annotated[str, typer.Argument(help="approved (审核通过), rejected, paid (兑现) or reversed")],
    by: Annotated[str, typer.Option(help="who decides")],
    db: DbOption = DEFAULT_PATH,
    amount: Annotated[Optional[float], typer.Option(help="CNY (default: what the claim carries to this step)")] = None,
    voucher: Annotated[Optional[str], typer.Option(help="the voucher reference (paid, reversed)")] = None,
    note: Annotated[Optional[str], typer.Option(help="why (rejected, reversed)")] = None,
) -> None:
    """审核 / 兑现: the next step of a claim, checked against the ledger and the budgets."""
    from clusteratlas.analyses.incentives.claims import ClaimRefused
    from clusteratlas.io.store import Store
    from clusteratlas.study.claims import decide_claim

    if event not in ("approved", "rejected", "paid", "reversed"):
        _fail(f"the step is approved, rejected, paid or reversed, not {event!r}")
    with Store(db) as store:
        try:
            decide_claim(store, claim_id, event, actor=by, role="cli", amount=amount, voucher=voucher, note=note)
        except ClaimRefused as e:
            _fail(f"refused: {e}")
    console.print(f"claim {claim_id} {event}")


@incentives_app.command("claims")
def incentives_claims(
    db: DbOption = DEFAULT_PATH,
    out: Annotated[Optional[Path], typer.Option(help="write the claims (.csv, .xlsx, .parquet)")] = None,
) -> None:
    """The claims ledger: each claim's state and amounts, over-budget claims flagged; then the
    totals by rule, payer and year against the budgets."""
    from clusteratlas.study.claims import claims, ledger_totals

    with _read_store(db) as store:
        _write_table(claims(store), out)
        if out is None:
            console.print()
            _write_table(ledger_totals(store), None)


@incentives_app.command("test")
def incentives_test(
    cases: Annotated[Optional[Path], typer.Argument(help="YAML test cases (default: the ruleset's own)")] = None,
    ruleset: Annotated[str, typer.Option(help="shipped ruleset name or a YAML path")] = "changsha_2005",
) -> None:
    """Run a ruleset's test cases; exits 1 if any fails."""
    from clusteratlas.analyses.incentives.engine import load_cases, run_test_cases, shipped_cases

    rs = _ruleset(ruleset)
    result = run_test_cases(rs, load_cases(cases) if cases else shipped_cases(ruleset))
    failed = result[~result.passed]
    for _, r in failed.iterrows():
        err.print(f"[red]FAIL[/red] {r.case}: {r.check} — {r.detail}")
    console.print(f"{int(result.passed.sum())} passed, {len(failed)} failed")
    if len(failed):
        raise typer.Exit(1)


@incentives_app.command("explain")
def incentives_explain(
    entity_id: Annotated[Optional[str], typer.Argument(help="the firm, project, park or guarantor")] = None,
    year: Annotated[int, typer.Option(help="the year evaluated")] = 2006,
    entities: Annotated[Optional[Path], typer.Option(help="CSV/XLSX of entities", exists=True, dir_okay=False)] = None,
    ruleset: Annotated[str, typer.Option(help="shipped ruleset name or a YAML path")] = "changsha_2005",
    rule: Annotated[Optional[str], typer.Option(help="the guide (申兑指南) to one rule; 'all' for every rule")] = None,
    lang: Annotated[str, typer.Option(help="zh or en (guides)")] = "zh",
) -> None:
    """For one entity: each rule considered, the inputs used, the condition and the amount.
    With --rule: the plain-language guide to the rule (who qualifies, what to submit, how the
    amount is computed, an example)."""
    if rule is not None:
        from clusteratlas.study.records import ruleset_guides

        try:
            for g in ruleset_guides(ruleset, year, lang, rule=None if rule == "all" else rule):
                console.print(g.text(), markup=False)
                console.print()
        except (KeyError, ValueError) as e:
            _fail(f"guide: {e.args[0] if e.args else e}")
        return
    if entity_id is None or entities is None:
        _fail("give an entity and --entities FILE, or --rule RULE for the rule's guide")
    from clusteratlas.analyses.incentives import explain
    from clusteratlas.io.readers import read_table

    rs = _ruleset(ruleset)
    frame = read_table(entities)
    row = frame[frame["entity_id"].astype(str) == entity_id]
    if row.empty:
        err.print(f"[red]no entity {entity_id!r} in {entities}[/red]")
        raise typer.Exit(2)
    for item in explain(rs, row.iloc[0], year):
        console.print(item["zh"])
        console.print(f"  {item['en']}")
        used = ", ".join(f"{k}={v}" for k, v in item["inputs"].items())
        console.print(f"  [dim]inputs: {used}[/dim]")


@app.command()
def serve(
    db: DbOption = DEFAULT_PATH,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    io_table: Annotated[Optional[Path], typer.Option(help="national input-output table (NBS layout) for the "
                                                     "value-chain pages (default: the newest in the store)")] = None,
    n_sim: NSimOption = None,
    seed: SeedOption = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes (a PostgreSQL store; a DuckDB "
                                                              "file is served by one)")] = 1,
) -> None:
    """Serve the REST API under /api/ and the dashboard at / on the store. Behind a reverse proxy
    on the same host, the client's address is taken from X-Forwarded-For (uvicorn's
    FORWARDED_ALLOW_IPS names other proxies to trust)."""
    import time

    if workers > 1 and not _is_url(db):
        _fail(f"--workers {workers}: a DuckDB store is opened by one process, so one worker serves it; "
              "several workers need a PostgreSQL store (--db postgresql://…; `clusteratlas db copy` moves "
              "this one there)")
    started = time.perf_counter()
    err.print(f"loading the service (the web framework, the analyses) for {_shown(db)} …")
    import uvicorn

    from clusteratlas.api.app import WORKER_OPTIONS, app_from_environment, worker_options

    settings = _settings(n_sim, seed)
    os.environ[WORKER_OPTIONS] = worker_options(db, io_table, settings, os.environ.get("CLUSTERATLAS_FILES"))
    if workers > 1:  # each worker builds its own app from the options
        from clusteratlas.io.store import Store

        Store(db).close()  # reachable, and migrated once, before any worker starts
        err.print(f"{workers} workers; listening on http://{host}:{port}/ (dashboard /, API /api/, OpenAPI /docs)")
        uvicorn.run("clusteratlas.api.app:app_from_environment", factory=True, workers=workers, host=host,
                    port=port, log_level="info", timeout_graceful_shutdown=10)
        return
    app_ = app_from_environment()
    err.print(f"service ready in {time.perf_counter() - started:.1f} s; listening on http://{host}:{port}/ "
              f"(dashboard /, API /api/, OpenAPI /docs); the first page of a study computes its "
              f"diagnosis ({settings.n_sim} simulations) and keeps it")
    # shutdown waits at most 10 s for requests in flight, never on a runaway computation
    uvicorn.run(app_, host=host, port=port, log_level="info", timeout_graceful_shutdown=10)
    _abandon_running_computations()


def _abandon_running_computations() -> None:
    """After the server has stopped, computations still running on worker threads (their
    requests already answered 503 or dropped) would keep the process alive until they end:
    Python waits for such threads at exit. They write nothing the store keeps half-done (every
    import is one transaction), so the process ends without them."""
    import os
    import threading

    running = [t for t in threading.enumerate()
               if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    if running:
        err.print(f"stopped; {len(running)} computation(s) still running are abandoned")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


db_app = typer.Typer(help="The store itself: upgrade, back up, restore, copy.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _is_url(db: str) -> bool:
    from clusteratlas.io.postgres import is_url

    return is_url(db)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = DEFAULT_PATH) -> None:
    """Apply the migrations the store lacks (opening a store for writing does it too)."""
    from clusteratlas.io.store import Store, migrations

    if not _is_url(db) and not Path(db).exists():
        _fail(f"no store at {db}")
    with Store(db, read_only=True) as s:
        before = s.schema_version()
    with Store(db) as s:
        after = s.schema_version()
    latest = max(v for v, _, _ in migrations())
    console.print(f"{_shown(db)}: schema {before} → {after}" + ("" if before != after else " (up to date)")
                  + ("" if after == latest else f"; this version of ClusterAtlas knows {latest}"))


def _shown(db: str) -> str:
    from clusteratlas.io.postgres import redacted

    return redacted(db)


@db_app.command("backup")
def db_backup(
    out: Annotated[Path, typer.Option(help="the backup: a new file (DuckDB file, or pg_dump archive for a "
                                           "PostgreSQL store); its kept files go beside it")],
    db: DbOption = DEFAULT_PATH,
) -> None:
    """A consistent copy of the store and its kept source files, checked after it is written
    (PostgreSQL: pg_dump's snapshot, custom format)."""
    from clusteratlas.io.store import Store, backup_store
    from clusteratlas.io.transfer import backup_postgres

    try:
        if _is_url(db):
            with Store(db, read_only=True) as s:
                backup_postgres(s, out)
            console.print(f"backed up {_shown(db)} to {out} (pg_dump, custom format; restore with "
                          f"`clusteratlas db restore {out} --db URL`)")
            return
        backup_store(db, out)
    except (FileExistsError, FileNotFoundError, RuntimeError) as e:
        if type(e).__name__ in ("StoreBusy", "StoreUnreachable"):
            raise
        _fail(str(e))

    with Store(out, read_only=True) as copy:
        problems = copy.check()
    if problems:
        _fail(f"the backup {out} fails its check: " + "; ".join(problems))
    console.print(f"backed up {db} to {out} (checked: every table read, every kept file re-hashed)")


@db_app.command("restore")
def db_restore(
    backup: Annotated[Path, typer.Argument(help="a backup made by `clusteratlas db backup`", exists=True, dir_okay=False)],
    db: DbOption = DEFAULT_PATH,
    force: Annotated[bool, typer.Option(help="replace an existing store at --db")] = False,
) -> None:
    """Put a backup in place as the store at --db (checked first; an existing store is replaced
    only with --force, and is then kept beside it as <name>.replaced). A PostgreSQL backup goes
    into a PostgreSQL database by pg_restore, in one transaction."""
    import shutil

    from clusteratlas.io.store import Store
    from clusteratlas.io.transfer import PG_DUMP_MAGIC, restore_postgres

    is_dump = backup.read_bytes()[:5] == PG_DUMP_MAGIC
    if is_dump != _is_url(db):
        _fail(f"{backup} is a {'pg_dump archive' if is_dump else 'DuckDB backup'} and --db is a "
              f"{'PostgreSQL URL' if _is_url(db) else 'DuckDB file'}: restore into the same kind, then "
              "move between kinds with `clusteratlas db copy SRC DST`")
    if is_dump:
        with Store(db, read_only=True) as s:
            held = s.schema_version() > 0
        if held and not force:
            _fail(f"{_shown(db)} holds a store: give --force to replace it (in one transaction)")
        try:
            restore_postgres(backup, db, replace=held)
        except RuntimeError as e:
            _fail(str(e))
        console.print(f"restored {backup} to {_shown(db)}")
        return
    with Store(backup, read_only=True) as b:
        problems = b.check()
    if problems:
        _fail(f"the backup {backup} fails its check, nothing restored: " + "; ".join(problems))
    target = Path(db)
    files = backup.with_name(backup.name + ".files")
    target_files = target.with_name(target.name + ".files")
    if target.exists():
        if not force:
            _fail(f"a store exists at {db}: give --force to replace it (it is kept as {target.name}.replaced)")
        with Store(db, read_only=True):  # StoreBusy if a server holds it: nothing is moved
            pass
        target.replace(target.with_name(target.name + ".replaced"))
        if target_files.exists():
            shutil.rmtree(target_files.with_name(target_files.name + ".replaced"), ignore_errors=True)
            target_files.replace(target_files.with_name(target_files.name + ".replaced"))
    shutil.copy2(backup, target)
    if files.exists():
        shutil.copytree(files, target_files)
    console.print(f"restored {backup} to {db}")


@db_app.command("copy")
def db_copy(
    source: Annotated[str, typer.Argument(help="the store to copy: a DuckDB file or a postgresql:// URL")],
    target: Annotated[str, typer.Argument(help="a new, empty store: a DuckDB file or a postgresql:// URL "
                                               "(an empty database, made with createdb)")],
) -> None:
    """Copy a whole store into another, of either kind (DuckDB ↔ PostgreSQL): every table, the
    sequences' positions and the kept files; one transaction."""
    from clusteratlas.io.transfer import copy_store

    if not _is_url(source) and not Path(source).exists():
        _fail(f"no store at {source}")
    try:
        counts = copy_store(source, target)
    except (ValueError, FileExistsError) as e:
        _fail(str(e))
    console.print(f"copied {_shown(source)} to {_shown(target)}: {sum(counts.values())} rows in {len(counts)} tables")


users_app = typer.Typer(help="Users of the service.", no_args_is_help=True)
app.add_typer(users_app, name="users")


ServerOption = Annotated[Optional[str], typer.Option(
    help="do it through a running `clusteratlas serve` at this address (http://host:port), which holds the store")]
AdminOption = Annotated[Optional[str], typer.Option(
    help="with --server: the admin or analyst to act as (password prompted, or CLUSTERATLAS_PASSWORD)")]


def _server_session(server: str, admin: str | None):
    """An HTTP client logged in to a running service as ``admin``; exits 2 saying why not."""
    import os

    import httpx

    if not admin:
        _fail("--server needs --admin NAME: the user to act as on the server")
    pw = os.environ.get("CLUSTERATLAS_PASSWORD") or typer.prompt(f"password of {admin}", hide_input=True)
    base = server.rstrip("/")
    try:
        r = httpx.post(base + "/api/auth/token", data={"username": admin, "password": pw}, timeout=60)
    except httpx.HTTPError as e:
        _fail(f"no service answers at {server}: {e}")
    if r.status_code != 200:
        _fail(f"{server}: login as {admin} refused ({r.status_code}): {r.json().get('detail', r.text)}")
    return httpx.Client(base_url=base, timeout=300, headers={"Authorization": f"Bearer {r.json()['access_token']}"})


def _server_fail(r) -> None:
    try:
        detail = r.json().get("detail", r.text)
    except ValueError:
        detail = r.text
    _fail(f"the server refused ({r.status_code}): {detail}")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help="admin, analyst, park_manager, firm or public")],
    db: DbOption = DEFAULT_PATH,
    password: Annotated[Optional[str], typer.Option(help="(prompted when absent)")] = None,
    region: Annotated[Optional[str], typer.Option(help="analyst: region id")] = None,
    park: Annotated[Optional[str], typer.Option(help="park manager: park id")] = None,
    firm: Annotated[Optional[str], typer.Option(help="firm user: firm id")] = None,
    server: ServerOption = None,
    admin: AdminOption = None,
) -> None:
    """Add a user with an argon2-hashed password (to the store, or through a running server)."""
    pw = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if server:
        with _server_session(server, admin) as client:
            r = client.post("/api/users", data={"username": username, "password": pw, "role": role,
                                                **{k: v for k, v in (("region_id", region), ("park_id", park),
                                                                     ("firm_id", firm)) if v}})
        if r.status_code != 201:
            _server_fail(r)
        console.print(f"user {username} ({role}) added through {server}")
        return
    from clusteratlas.io.store import Store
    from clusteratlas.study.records import add_user

    with Store(db) as store:
        try:
            add_user(store, username, pw, role, region, park, firm)
        except ValueError as e:
            err.print(f"[red]{e}[/red]")
            raise typer.Exit(2)
    console.print(f"user {username} ({role}) added")


@app.command("match")
def match_cmd(
    db: DbOption = DEFAULT_PATH,
    need: Annotated[Optional[str], typer.Option(help="only this need")] = None,
    supplier: Annotated[Optional[str], typer.Option(help="reverse: the needs that suit this supplier")] = None,
    top_k: Annotated[int, typer.Option(help="candidates per need")] = 5,
    region: Annotated[Optional[str], typer.Option(help="suppliers of this region only")] = None,
    record_contracts: Annotated[bool, typer.Option("--record-contracts", help="turn contracted outcomes into supply links")] = False,
    out: Annotated[Optional[Path], typer.Option(help="write the table (.csv, .xlsx, .parquet)")] = None,
) -> None:
    """Match purchase needs with supplier profiles (scores per criterion and a reason)."""
    from clusteratlas.analyses import matching
    from clusteratlas.io.store import Store

    if record_contracts:
        from clusteratlas.study.records import record_contracts as record

        with Store(db) as store:
            console.print(record(store))
        return
    with _read_store(db) as store:
        cat = _diagnosis(store).catalogue()
    if region is not None:
        cat = matching.Catalogue(cat.needs, cat.suppliers[cat.suppliers["region_id"] == region])
    needs = cat.needs if need is None else cat.needs[cat.needs["need_id"] == need]
    if needs.empty or cat.suppliers.empty:
        err.print("[red]match: no needs or no supplier profiles[/red]")
        raise typer.Exit(2)
    if supplier:
        result = matching.match_needs_for_supplier(needs, cat.suppliers, supplier, top_k)
    else:
        result = matching.match(needs, cat.suppliers, top_k)
    _write_table(result, out)


@app.command()
def industries(
    search: Annotated[Optional[str], typer.Argument(help="a code prefix or part of a name")] = None,
) -> None:
    """Show the shipped GB/T 4754-2017 sections and divisions."""
    from rich.table import Table

    from clusteratlas.classify import GBT4754

    t = GBT4754.table
    if search:
        t = t[t["code"].str.startswith(search) | t["name_zh"].str.contains(search)
              | t["name_en"].str.contains(search, case=False)]
    table = Table(title="GB/T 4754-2017")
    for col in ("code", "level", "name_zh", "name_en"):
        table.add_column(col)
    for _, r in t.iterrows():
        table.add_row(r.code, r.level, r.name_zh, r.name_en)
    console.print(table)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


if __name__ == "__main__":
    app()


def main() -> None:
    """The `clusteratlas` command: the app, with a store another process holds said plainly."""
    from clusteratlas.io.store import StoreBusy, StoreUnreachable

    try:
        app()
    except (StoreBusy, StoreUnreachable) as e:
        print(str(e), file=sys.stderr)
        raise SystemExit(2) from None
