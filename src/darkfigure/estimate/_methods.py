"""The ``--method`` registry: one small record per method name.

``METHODS`` is a plain dict ``name -> Method``. A record holds the one-line help shown by
``darkfigure estimate --help`` and the docs, the family, whether ``--bootstrap`` applies, and a
factory that builds the estimator from :class:`MethodOptions` (the CLI's options, named as the
flags). Factories import their module lazily so that ``darkfigure --help`` stays fast.

To add a method, write its estimator (the :class:`~darkfigure.estimate._base.Estimator`
contract) and add one entry to ``METHODS`` below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from darkfigure.estimate._base import Estimator, Seed, StrataEstimator

__all__ = ["DEFAULT_METHOD", "METHODS", "Method", "MethodOptions"]


@dataclass(frozen=True)
class MethodOptions:
    """Options a factory may use (each named as its CLI flag); a factory ignores the rest.

    Attributes
    ----------
    level
        Interval level, in (0, 1).
    seed
        Seed for anything random (MCMC, bootstrap).
    max_order
        Highest interaction order a selection method searches (``--max-order``).
    terms
        Interaction terms of the ``fixed`` method, e.g. ``("A:B", "C:D")``.
    p
        p-value threshold of ``stepwise``.
    classes
        Truncation K of the latent classes of ``lcmcr`` (``--classes``).
    chains, burn_in, draws, thin
        MCMC settings of ``lcmcr`` (``--chains``, ``--burn-in``, ``--draws``, ``--thin``).
    """

    level: float = 0.95
    seed: Seed = None
    max_order: int = 2
    terms: tuple[str, ...] = ()
    p: float = 0.02
    classes: int = 10
    chains: int = 4
    burn_in: int = 10_000
    draws: int = 1_000
    thin: int = 100


@dataclass(frozen=True)
class Method:
    """One ``--method`` choice.

    Attributes
    ----------
    name
        The ``--method`` value.
    help
        One line for ``--help`` and the docs.
    family
        ``"log-linear"``, ``"closed"`` (Rcapture's closed-population models) or ``"bayesian"``.
    factory
        Builds an unfitted estimator from the options.
    bootstrap
        Whether ``--bootstrap`` applies (Bayesian methods carry their own posterior interval).
    strata
        What the method does with each person's possible strata (a
        :class:`~darkfigure.stratified_histories.StratifiedHistories`, from linked records and
        the lists description): ``"no"`` pools them into a plain table, ``"uses"`` uses them
        when given and also fits plain tables, ``"needs"`` fits nothing else.
    """

    name: str
    help: str
    family: str
    factory: Callable[[MethodOptions], Estimator | StrataEstimator]
    bootstrap: bool = True
    strata: str = "no"


def _loglinear(
    selection: str | None, *, main_only: bool = False
) -> Callable[[MethodOptions], Estimator]:
    def factory(options: MethodOptions) -> Estimator:
        from darkfigure.estimate._loglinear import LogLinear

        terms = () if main_only or selection is not None else options.terms
        return LogLinear(
            terms=terms,
            selection=selection,
            max_order=options.max_order,
            p_threshold=options.p,
            level=options.level,
            seed=options.seed,
        )

    return factory


def _closed(model: str) -> Callable[[MethodOptions], Estimator]:
    def factory(options: MethodOptions) -> Estimator:
        from darkfigure.estimate._closed import ClosedPopulation

        return ClosedPopulation(model=model, level=options.level)

    return factory


def _mcmc_settings(options: MethodOptions) -> dict[str, Any]:
    """The latent-class samplers' keyword arguments from the options."""
    return {
        "max_classes": options.classes,
        "chains": options.chains,
        "burn_in": options.burn_in,
        "draws": options.draws,
        "thin": options.thin,
        "seed": options.seed,
        "level": options.level,
    }


def _latent_class(options: MethodOptions) -> Estimator:
    from darkfigure.estimate._lcmcr import LatentClass

    return LatentClass(**_mcmc_settings(options))


def _stratified_latent_class(options: MethodOptions) -> StrataEstimator:
    from darkfigure.estimate._lcmcr_strata import StratifiedLatentClass

    return StratifiedLatentClass(**_mcmc_settings(options))


def _logit_normal(options: MethodOptions) -> StrataEstimator:
    from darkfigure.estimate._logitnormal import LogitNormal

    return LogitNormal(level=options.level)


def _graph_averaging(options: MethodOptions) -> Estimator:
    from darkfigure.estimate._dga import GraphAveraging

    return GraphAveraging(level=options.level)


METHODS: dict[str, Method] = {
    "main": Method(
        "main",
        "independence: main effects only (lists independent)",
        "log-linear",
        _loglinear(None, main_only=True),
    ),
    "fixed": Method(
        "fixed",
        "main effects plus the interactions given by --terms (e.g. A:B,C:D)",
        "log-linear",
        _loglinear(None),
    ),
    "aic": Method(
        "aic",
        "lowest AIC over hierarchical models up to --max-order",
        "log-linear",
        _loglinear("aic"),
    ),
    "bic": Method(
        "bic",
        "lowest BIC over hierarchical models up to --max-order",
        "log-linear",
        _loglinear("bic"),
    ),
    "stepwise": Method(
        "stepwise",
        "add pairwise interactions while p < --p (Chan, Silverman & Vincent 2021, SparseMSE)",
        "log-linear",
        _loglinear("stepwise"),
    ),
    "threshold": Method(
        "threshold",
        "Bayesian thresholding of pairwise interactions (Silverman "
        "2020): posterior median and credible interval",
        "log-linear",
        _loglinear("threshold"),
        bootstrap=False,
    ),
    "m0": Method(
        "m0", "Rcapture M0: every list catches with the same probability", "closed", _closed("m0")
    ),
    "mt": Method(
        "mt", "Rcapture Mt: lists differ, independent (same fit as main)", "closed", _closed("mt")
    ),
    "chao": Method(
        "chao",
        "Rcapture Mh Chao: lower bound under heterogeneous catchability",
        "closed",
        _closed("chao"),
    ),
    "darroch": Method(
        "darroch",
        "Rcapture Mh Darroch: heterogeneity, quadratic in captures",
        "closed",
        _closed("darroch"),
    ),
    "poisson2": Method(
        "poisson2",
        "Rcapture Mh Poisson2: heterogeneity, 2^captures - 1",
        "closed",
        _closed("poisson2"),
    ),
    "gamma": Method(
        "gamma",
        "Rcapture Mh Gamma3.5: heterogeneity, -log(1 + captures/3.5)",
        "closed",
        _closed("gamma"),
    ),
    "lcmcr": Method(
        "lcmcr",
        "Bayesian non-parametric latent classes: heterogeneous visibility "
        "(Manrique-Vallier 2016, R LCMCR); --classes, --chains, --burn-in, --draws, "
        "--thin",
        "bayesian",
        _latent_class,
        bootstrap=False,
    ),
    "lcmcr-strata": Method(
        "lcmcr-strata",
        "latent classes within the lists' scopes (lists.yaml) and covariates, missing "
        "covariates imputed; needs --records and --lists; MCMC options as lcmcr",
        "bayesian",
        _stratified_latent_class,
        bootstrap=False,
        strata="needs",
    ),
    "logit-normal": Method(
        "logit-normal",
        "people differ in visibility (normal on the logit scale; Coull & Agresti 1999), "
        "within the lists' scopes when --lists is given; profile-likelihood interval",
        "log-linear",
        _logit_normal,
        bootstrap=False,
        strata="uses",
    ),
    "dga": Method(
        "dga",
        "Bayesian averaging over decomposable graphical models, 3-5 lists "
        "(Madigan & York 1997, R dga)",
        "bayesian",
        _graph_averaging,
        bootstrap=False,
    ),
}

#: The method ``darkfigure estimate`` uses without ``--method``: chosen by the coverage study
#: (``benchmarks/bench_coverage_hk.py``; the numbers are in docs/estimation.md, "Choosing the
#: default").
DEFAULT_METHOD = "logit-normal"
