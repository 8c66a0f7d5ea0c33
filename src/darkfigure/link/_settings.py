"""Linkage settings (YAML → validated :class:`LinkSettings`) and the saved model file.

A study fixes its linkage options in a YAML file (``darkfigure link --settings link.yaml``),
validated here into the typed :class:`LinkSettings`; every problem is reported at once as a
:class:`~darkfigure.errors.SettingsError` naming the file and the YAML path
(``link.yaml: training.max_iterations: Input should be greater than or equal to 1``).

The trained model is saved as :class:`SavedModel` (``DIR/diagnostics/model.json``): Splink's
model JSON (comparison SQL, the trained m and u of every level, the prior), wrapped with the
darkfigure version, the settings it was trained with and their hash, when it was made, and the
file format's version. ``darkfigure link --model model.json`` applies it without training.
Neither holds record values: Splink's model keeps no term-frequency tables and no examples.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from splink import __version__ as splink_version

from darkfigure import __version__
from darkfigure._files import write_text_atomic
from darkfigure._yaml import parse_yaml
from darkfigure.errors import SettingsError
from darkfigure.link._blocking import ALL_PAIRS
from darkfigure.link._engine import Backend
from darkfigure.link._model import DEFAULT_SEED, EM_CONVERGENCE, MAX_ITERATIONS, PRIOR_RECALL

__all__ = [
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "LinkSettings",
    "SavedModel",
    "TrainingSettings",
    "read_link_settings",
    "read_model",
]

#: What a darkfigure model file says it is (``"format"``), so that a stray JSON is refused.
MODEL_FORMAT: Final = "darkfigure-link-model"

#: Version of the model file's layout. Raise it when a change would make an older darkfigure
#: misread a newer file (or the reverse); files of another version are refused, not guessed at.
MODEL_FORMAT_VERSION: Final = 1


def _open_interval(value: float) -> float:
    if not 0.0 < value < 1.0:
        raise ValueError(f"must be between 0 and 1 (exclusive), got {value}")
    return value


def _auto_or_bool(value: Any) -> Any:
    # Checked before the union is tried, so that a bad value gives one message, not one per
    # member of the union.
    if value == "auto" or isinstance(value, bool):
        return value
    raise ValueError("must be auto, true or false")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrainingSettings(_Model):
    """How the model is trained by EM (not used when a saved model is applied).

    Attributes
    ----------
    prior_recall
        Share of true matches that the deterministic rules (same document, same phone, same
        name and date of birth) are taken to find when the prior is estimated, in (0, 1].
    max_iterations
        Iteration limit of each Splink EM session (Splink's ``max_iterations``), ≥ 1.
    em_convergence
        EM stops when no m or u moves by more than this (Splink's ``em_convergence``), > 0.
    """

    prior_recall: float = Field(default=PRIOR_RECALL, gt=0, le=1)
    max_iterations: int = Field(default=MAX_ITERATIONS, ge=1)
    em_convergence: float = Field(default=EM_CONVERGENCE, gt=0, lt=1)


class LinkSettings(_Model):
    """The options of one linkage, as a study fixes them (``darkfigure link --settings``).

    Every field has the default that ``darkfigure link`` uses without a settings file.
    Options given on the command line override the file; see :meth:`with_overrides`.

    Attributes
    ----------
    threshold
        Match probability at or above which two records are linked, in (0, 1); groups join
        only while their average pairwise probability stays at or above it. Default 0.3.
    backend
        ``"duckdb"`` (default, in process) or ``"spark"``.
    seed
        Seed of the random pair samples that estimate u and of the drawn tables (≥ 0).
    samples
        Capture-history tables to draw from the match probabilities (≥ 0, default 0).
    address
        Compare a pass-through ``address`` column: ``auto`` (default: when a list has one),
        ``true`` (required: an error without one) or ``false`` (never).
    case_facts
        Compare the case facts (district, venue, exploitation, recruitment, ...): ``auto``
        (default: when a list has any), ``true`` (required) or ``false`` (never: for lists
        whose organisations record these facts too differently to tell people apart). The
        means of control are compared with them.
    date_identified
        Compare the days between two records' dates of identification (one person's records
        fall within her time in exploitation, and referrals take days): ``auto`` (default:
        when records have full dates), ``true`` (required) or ``false`` (never: for lists
        whose dates are when a file was entered, not when the person was met).
    all_pairs_limit
        Score every pair of records when there are at most this many pairs (n(n − 1)/2;
        default 5,000,000, about 3,200 records); above it, blocking rules choose the pairs,
        with every pair whose citizenships do not differ (the same, or one not recorded; on
        larger inputs, with the same birth year too) while those number at most this many.
        0 uses the rules alone. Blocking saves time but leaves out true pairs that share no
        name, date, phone or document (about one in twenty on hk-default with the rules
        alone).
    training
        EM options (:class:`TrainingSettings`).

    Examples
    --------
    >>> LinkSettings().threshold
    0.3
    >>> LinkSettings().with_overrides(threshold=0.5, seed=None).threshold
    0.5
    >>> len(LinkSettings().settings_hash())
    64
    """

    threshold: Annotated[float, AfterValidator(_open_interval)] = 0.3
    backend: Backend = "duckdb"
    seed: int = Field(default=DEFAULT_SEED, ge=0)
    samples: int = Field(default=0, ge=0)
    address: Annotated[Literal["auto"] | bool, BeforeValidator(_auto_or_bool)] = "auto"
    case_facts: Annotated[Literal["auto"] | bool, BeforeValidator(_auto_or_bool)] = "auto"
    date_identified: Annotated[Literal["auto"] | bool, BeforeValidator(_auto_or_bool)] = "auto"
    all_pairs_limit: int = Field(default=ALL_PAIRS, ge=0)
    training: TrainingSettings = TrainingSettings()

    def with_overrides(self, **overrides: Any) -> LinkSettings:
        """These settings with the given top-level fields replaced (``None`` leaves a field).

        The result is validated like a file, so an override is checked the same way.

        Raises
        ------
        SettingsError
            An override that does not validate, or an unknown field.
        """
        given = {name: value for name, value in overrides.items() if value is not None}
        return _validate(LinkSettings, {**self.model_dump(), **given}, source=None)

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-safe data (the form saved with a model)."""
        return self.model_dump(mode="json")

    def settings_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of these settings (sorted keys, no spaces)."""
        return _sha256(self.to_dict())


def _sha256(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _yaml_path(loc: tuple[int | str, ...]) -> str:
    """Pydantic's error location as a YAML path: ``training.max_iterations``, ``a[0].b``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


_M = TypeVar("_M", bound=BaseModel)


def _validate(model: type[_M], data: Any, *, source: str | None, strict: bool = False) -> _M:
    """``model`` from ``data``, or a SettingsError with one line per problem and its path."""
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as error:
        prefix = f"{source}: " if source else ""
        lines = []
        for item in error.errors():
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "unknown key (check the spelling; see docs/linkage.md)"
            elif item["type"] == "missing":
                message = "required key is missing"
            where = _yaml_path(tuple(item["loc"]))
            lines.append(f"{prefix}{where}: {message}" if where else f"{prefix}{message}")
        raise SettingsError("\n".join(lines)) from None


def _read_text(path: str | os.PathLike[str], what: str) -> str:
    """The text of ``path``, or a SettingsError naming the file (never its content)."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SettingsError(f"{path}: no such {what}") from None
    except (OSError, UnicodeDecodeError):
        raise SettingsError(f"{path}: not a readable UTF-8 text file") from None


def read_link_settings(path: str | os.PathLike[str]) -> LinkSettings:
    """Read and validate a linkage settings file (YAML); keys left out keep their defaults.

    Parameters
    ----------
    path
        A YAML mapping with any of :class:`LinkSettings`' fields (see
        ``docs/link-settings.example.yaml``); an empty file gives the defaults.

    Returns
    -------
    LinkSettings

    Raises
    ------
    SettingsError
        A missing or unreadable file, invalid YAML, or one line per invalid value or unknown
        key, each as ``FILE: YAML.path: reason``.
    """
    source = str(path)
    text = _read_text(path, "settings file")
    document = parse_yaml(text, source, SettingsError)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise SettingsError(f"{source}: the settings must be a YAML mapping (key: value)")
    # strict: YAML already gives numbers and booleans their types; a quoted "0.5" or "yes"
    # is more likely a mistake than a wish, and is reported rather than converted.
    return _validate(LinkSettings, document, source=source, strict=True)


class SavedModel(_Model):
    """A trained linkage model as saved in ``DIR/diagnostics/model.json``.

    Attributes
    ----------
    format, format_version
        :data:`MODEL_FORMAT` and the layout version (:data:`MODEL_FORMAT_VERSION`).
    darkfigure_version, splink_version
        The versions that trained the model.
    created
        When the model was trained (UTC, ISO 8601).
    settings_hash
        :meth:`LinkSettings.settings_hash` of ``settings``.
    settings
        The validated settings the model was trained with (:meth:`LinkSettings.to_dict`).
    splink_model
        Splink's model JSON (``linker.misc.save_model_to_json()``): settings, comparison SQL,
        trained m and u per level and the prior. Loadable by ``splink.Linker(df, ...)``.
    """

    format: Literal["darkfigure-link-model"] = MODEL_FORMAT
    format_version: Literal[1] = MODEL_FORMAT_VERSION
    darkfigure_version: str
    splink_version: str
    created: datetime
    settings_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    settings: dict[str, Any]
    splink_model: dict[str, Any]

    @field_validator("splink_model")
    @classmethod
    def _has_comparisons(cls, value: dict[str, Any]) -> dict[str, Any]:
        comparisons = value.get("comparisons")
        if not isinstance(comparisons, list) or not comparisons:
            raise ValueError("not a Splink model: it has no comparisons")
        return value

    @model_validator(mode="after")
    def _hash_matches_settings(self) -> SavedModel:
        # The hash is what a later run compares its settings with; a file whose settings were
        # edited by hand would otherwise be compared under a hash it no longer has.
        if _sha256(self.settings) != self.settings_hash:
            raise ValueError("settings_hash: is not the hash of settings (was the file edited?)")
        return self

    @classmethod
    def trained(cls, splink_model: dict[str, Any], settings: LinkSettings) -> SavedModel:
        """The model just trained with ``settings``, stamped with this version and the time."""
        return cls(
            darkfigure_version=__version__,
            splink_version=splink_version,
            created=datetime.now(UTC).replace(microsecond=0),
            settings_hash=settings.settings_hash(),
            settings=settings.to_dict(),
            splink_model=splink_model,
        )

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "model") -> SavedModel:
        """Validate a model read back from JSON.

        Raises
        ------
        SettingsError
            Not a darkfigure model, a format version this darkfigure does not read, or a
            malformed file (``source: path: reason``).
        """
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise SettingsError(
                f"{source}: not a darkfigure linkage model (the DIR/diagnostics/model.json "
                "that `darkfigure link` writes)"
            )
        # Checked first: a file of another version may differ anywhere, and the version is
        # the one message that tells the user what to do.
        version = data.get("format_version")
        if version != MODEL_FORMAT_VERSION:
            made_by = data.get("darkfigure_version")
            by = f" (written by darkfigure {made_by})" if isinstance(made_by, str) else ""
            raise SettingsError(
                f"{source}: model format version {version!r}{by} is not supported: darkfigure "
                f"{__version__} reads version {MODEL_FORMAT_VERSION}. Train the model again "
                "with this version (`darkfigure link` without --model), or link with the "
                "darkfigure version that wrote it"
            )
        return _validate(cls, data, source=source)

    @property
    def created_text(self) -> str:
        """:attr:`created` as ISO 8601 (``2026-11-23T10:47:00Z``)."""
        return self.created.isoformat().replace("+00:00", "Z")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data, metadata first and Splink's model last (the file's layout)."""
        return {**self.model_dump(mode="json"), "created": self.created_text}

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the model as JSON, atomically (a reader never sees half a file)."""
        write_text_atomic(path, json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n")

    def _has_comparison(self, name: str) -> bool:
        return any(c.get("output_column_name") == name for c in self.splink_model["comparisons"])

    def compares_address(self) -> bool:
        """Whether the model has an address comparison (it was trained on addresses)."""
        return self._has_comparison("address")

    def compares_case_facts(self) -> bool:
        """Whether the model has the case-fact comparison (it was trained on case facts)."""
        return self._has_comparison("case_facts")

    def compares_date_identified(self) -> bool:
        """Whether the model compares the dates of identification."""
        return self._has_comparison("date_identified")

    def settings_differences(self, settings: LinkSettings) -> list[str]:
        """``path saved → current`` for every setting that differs from the model's own.

        Empty when ``settings`` hash to :attr:`settings_hash`.
        """
        if settings.settings_hash() == self.settings_hash:
            return []
        saved, current = _flatten(self.settings), _flatten(settings.to_dict())
        return [
            f"{key} {saved.get(key, '(unset)')} → {current.get(key, '(unset)')}"
            for key in sorted(saved.keys() | current.keys())
            if saved.get(key) != current.get(key)
        ]


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings as ``{"training.max_iterations": 25, ...}``."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def read_model(path: str | os.PathLike[str]) -> SavedModel:
    """Read a saved model (``DIR/diagnostics/model.json``) for ``darkfigure link --model``.

    Raises
    ------
    SettingsError
        A missing or unreadable file, not JSON, not a darkfigure model, a format version
        this darkfigure does not read, or a malformed model.
    """
    source = str(path)
    text = _read_text(path, "model file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsError(f"{source}: not valid JSON (line {error.lineno})") from None
    return SavedModel.from_dict(data, source=source)
