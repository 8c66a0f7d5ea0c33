"""The SQL engine behind the linkage: Splink's database API for DuckDB (default) or Spark.

Splink already abstracts the engines; this module only builds the API object, owns its threads,
memory and temporary directory, keeps Splink's logging quiet (its messages can quote values),
and turns engine failures into :class:`~darkfigure.errors.LinkError` without the engine's text.
"""

from __future__ import annotations

import contextlib
import logging
import os
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
        try:
            from pyspark.sql import SparkSession  # type: ignore[import-not-found,unused-ignore]
            from splink.backends.spark import SparkAPI
        except ImportError:
            raise MissingDependencyError(
                "the spark backend needs pyspark: pip install 'pyspark>=3.5,<4' "
                "(and Java 11 or 17), or use --backend duckdb"
            ) from None
        from splink.backends.spark import similarity_jar_location

        # Splink's string-similarity functions (jaro_winkler) are Scala UDFs in its jar.
        spark = SparkSession.getActiveSession() or (
            SparkSession.builder.master(f"local[{threads or os.cpu_count() or 1}]")
            .appName("darkfigure-link")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.jars", similarity_jar_location())
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        # Splink checkpoints intermediate tables; Spark needs a place for them.
        spark.sparkContext.setCheckpointDir(temp_dir or tempfile.mkdtemp(prefix="darkfigure-"))
        return SparkAPI(spark_session=spark)  # type: ignore[no-untyped-call,unused-ignore]
    raise LinkError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")


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
