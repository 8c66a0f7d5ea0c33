"""The SQL engine behind the linkage: Splink's database API for DuckDB (default) or Spark.

Splink already abstracts the engines; this module only builds the API object, owns its threads,
memory and temporary directory, keeps Splink's logging quiet (its messages can quote values),
and turns engine failures into :class:`~darkfigure.errors.LinkError` without the engine's text.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any, Literal

from darkfigure.errors import LinkError, MissingDependencyError

__all__ = ["BACKENDS", "Backend", "engine_errors", "make_db_api", "quiet_splink"]

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")


def make_db_api(
    backend: str = "duckdb",
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_dir: str | None = None,
) -> Any:
    """A Splink database API for ``backend``.

    Parameters
    ----------
    backend
        ``"duckdb"`` (in process) or ``"spark"`` (a local session unless one is active).
    threads, memory_limit, temp_dir
        DuckDB settings; by default all cores, 75 % of memory, the system temporary directory.
        Spark takes ``threads`` (cores of the local session) and ``temp_dir`` (where its
        working directory is made).

    Raises
    ------
    MissingDependencyError
        ``spark`` without ``pyspark`` installed.
    LinkError
        An unknown backend.
    """
    if backend == "duckdb":
        import duckdb
        from splink.backends.duckdb import DuckDBAPI

        con = duckdb.connect(":memory:")
        con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        if temp_dir:
            con.execute(f"SET temp_directory = '{temp_dir}'")
        con.execute("SET preserve_insertion_order = false")  # less memory on big joins
        return DuckDBAPI(connection=con)
    if backend == "spark":
        return _spark_api(threads=threads, temp_dir=temp_dir)
    raise LinkError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")


#: Shuffle partitions of a local Spark session per core. Spark's default (200) is made for
#: clusters; Splink repartitions its large tables into half as many, so on one machine every
#: intermediate table became 100 parquet files and every query 100 tasks.
_SPARK_PARTITIONS_PER_CORE = 4

#: The working directory of this process's Spark session (checkpoints, warehouse), removed at
#: exit: Splink writes every intermediate table there as parquet.
_spark_work_dirs: dict[str, str] = {}


def _spark_work_dir(temp_dir: str | None) -> str:
    """One working directory per process (and ``temp_dir``), removed when the process exits."""
    key = temp_dir or ""
    if key not in _spark_work_dirs:
        path = tempfile.mkdtemp(prefix="darkfigure-spark-", dir=temp_dir)
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        _spark_work_dirs[key] = path
    return _spark_work_dirs[key]


def _spark_api(*, threads: int | None, temp_dir: str | None) -> Any:
    """Splink's Spark API on the active session, or on a local session started here.

    The local session runs offline (the driver binds to the loopback address, so it does not
    depend on the host name resolving), leaves nothing in the current directory (its
    warehouse and checkpoints are in a temporary directory removed at exit), and logs nothing:
    Spark's own log lines can quote record values (a failed cast names the value).
    """
    try:
        from pyspark.sql import SparkSession  # type: ignore[import-not-found,unused-ignore]
        from splink.backends.spark import SparkAPI, similarity_jar_location
    except ImportError:
        raise MissingDependencyError(
            "the spark backend needs pyspark 3.5 and Java 17 or later: pip install "
            "'darkfigure[spark]' (or 'pyspark>=3.5,<4'), or use --backend duckdb"
        ) from None
    work = _spark_work_dir(temp_dir)
    spark = SparkSession.getActiveSession()
    if spark is None:
        cores = int(threads or os.cpu_count() or 1)
        spark = (
            SparkSession.builder.master(f"local[{cores}]")
            .appName("darkfigure-link")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.log.level", "OFF")
            .config("spark.sql.warehouse.dir", os.path.join(work, "warehouse"))
            .config("spark.sql.shuffle.partitions", str(_SPARK_PARTITIONS_PER_CORE * cores))
            # Splink's string-similarity functions (jaro_winkler) are Scala UDFs in its jar.
            .config("spark.jars", similarity_jar_location())
            .getOrCreate()
        )
    spark.sparkContext.setLogLevel("OFF")
    # Splink writes intermediate tables as parquet under the checkpoint directory.
    if spark.sparkContext.getCheckpointDir() is None:
        spark.sparkContext.setCheckpointDir(os.path.join(work, "checkpoints"))
    return SparkAPI(spark_session=spark)  # type: ignore[no-untyped-call,unused-ignore]


@contextlib.contextmanager
def quiet_splink() -> Iterator[None]:
    """Silence Splink's loggers for the duration (their messages may include record values)."""
    logger = logging.getLogger("splink")
    saved = (logger.level, logger.propagate, list(logger.handlers))
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False
    logger.handlers = [logging.NullHandler()]
    try:
        yield
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]


@contextlib.contextmanager
def engine_errors(step: str) -> Iterator[None]:
    """Turn any engine exception during ``step`` into a LinkError naming the step only."""
    try:
        yield
    except (LinkError, MissingDependencyError):
        raise
    except Exception as error:  # the engine's message may quote record values
        raise LinkError(
            f"linkage engine failed while {step} ({type(error).__name__}); "
            "its own message is withheld because it may quote record values"
        ) from error
