"""Logit-normal heterogeneity within the lists' scopes (``--method logit-normal``; issue 9).

People differ in how visible they are: a domestic helper with a phone and a day off against a
woman confined in a flat. The model gives person *i* in stratum *s* a visibility
``z_i ~ N(0, 1)`` and lets list *j* catch them with probability

    logit p_ij = beta_j + delta_s + sigma * z_i      if list j can see stratum s, else 0,

the logit-normal model of Coull & Agresti (1999) (a Rasch model with normal person effects),
extended with the lists' scopes (structural zeros), a visibility shift ``delta_s`` per stratum
(what the records explain) and stratum shares ``rho_s`` for people whose stratum the records do
not settle (:mod:`darkfigure.stratified_histories`). On a plain table there is one stratum and
every list sees it.

Referrals. When the lists description declares that list *k* refers people to list *j*
(``refers_to``), a person on *k* also reaches *j* with probability ``r_kj``, on top of being
caught by *j* directly (if *j* can see them):

    P(on j | z, the lists before j) = 1 - (1 - p_ij) * prod_{k on the person's lists} (1 - r_kj)

The shares ``r_kj`` are estimated with everything else. Referrals are what makes a hotline and
a shelter overlap more than their capture rates imply; without them that excess overlap reads
as "almost everyone has been seen" and every estimate falls short (issue 9's coverage study).
The shares are identified because heterogeneity raises the overlap of every pair of lists, a
referral only that of its own pair. People on no list were referred by no one, so ``P0`` keeps
its form. A pathway that no observed person could have taken (no one on the source is in a
stratum the target sees) has no information about its share: it is left out, with a warning.

``sigma`` is the spread of visibility between people the records cannot tell apart: the
strongest assumption of every estimate, since people no list has seen are, by construction,
the least visible. :func:`visibility_sensitivity` shows the estimate at fixed ``sigma`` values
(``sigma = 0`` is independence); ``--method logit-normal`` estimates ``sigma`` from the data.

Fitting: ``z`` is integrated out by Gauss-Hermite quadrature; the conditional likelihood of the
observed histories is maximised with analytic gradients (L-BFGS), and ``N = n / (1 - P0)``.
The interval is the profile likelihood of ``N`` in the full multinomial likelihood, maximising
over every other parameter (``sigma`` included) at each ``N``, so it carries the uncertainty in
``sigma``. The profile can be flat (Coull & Agresti 1999): when the upper end does not come
down within ``MAX_RATIO`` times the observed count the interval is open above and the estimate
says so.

References
----------
Coull, B. A. & Agresti, A. (1999). The use of mixed logit models to reflect heterogeneity in
capture-recapture studies. *Biometrics* 55(1), 294-301.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq, minimize
from scipy.special import expit, gammaln, log_expit, logsumexp

from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate._result import Estimate, Interval
from darkfigure.estimate._threads import single_blas_thread
from darkfigure.histories import CaptureHistories
from darkfigure.stratified_histories import StratifiedHistories

__all__ = ["LogitNormal", "visibility_sensitivity"]

FloatArray = npt.NDArray[np.float64]

#: Gauss-Hermite nodes: 24 integrate the visibility to well under 0.1 % for sigma up to 3.
NODES = 24
#: The profile interval's upper end is searched up to this many times the observed count (or
#: four times the estimate, if that is more).
MAX_RATIO = 50.0
#: sigma is kept below this: beyond it almost everyone is invisible and N runs away.
MAX_SIGMA = 4.0
#: Bounds on a referral share's logit: a share of 6e-6 is none, one of 0.9997 is everyone.
REFERRAL_LOGIT = (-12.0, 8.0)


@dataclass(frozen=True)
class _Data:
    """The histories as the likelihood needs them: one entry per (cell, possible stratum) pair.

    Most people's stratum is settled by their records, so the pairs are few; strata no one can
    be in are dropped.
    """

    lists: tuple[str, ...]
    patterns: FloatArray  # (C, J)
    counts: FloatArray  # (C,)
    eligible: FloatArray  # (S, J)
    cell: npt.NDArray[np.intp]  # (P,) the pair's cell, sorted
    stratum: npt.NDArray[np.intp]  # (P,) the pair's stratum
    seen_in: FloatArray  # (P, J): the cell's history on the lists that see the stratum
    firsts: npt.NDArray[np.intp]  # (C,): where each cell's pairs start (for ``reduceat``)
    labels: tuple[str, ...]
    pathways: tuple[tuple[str, str], ...]  # (R,) declared referrals (source, target)
    idle_pathways: tuple[tuple[str, str], ...]  # declared, but no observed person could take
    # Entries (pair, target list) whose people may have been referred onto the target: the
    # target sees the pair's stratum and a declared source of it is on the pair's history.
    entry_pair: npt.NDArray[np.intp]  # (T,)
    entry_list: npt.NDArray[np.intp]  # (T,)
    entry_seen: FloatArray  # (T,) 1 if the pair's people are on the target list
    entry_sources: FloatArray  # (T, R) 1 where pathway r leads to the target from a list seen

    @property
    def observed(self) -> float:
        return float(self.counts.sum())

    @classmethod
    def of(cls, table: CaptureHistories | StratifiedHistories) -> _Data:
        patterns = table.patterns.astype(np.float64)
        if isinstance(table, CaptureHistories):
            compatible = np.ones((len(patterns), 1), dtype=bool)
            eligible = np.ones((1, table.n_lists))
            labels: tuple[str, ...] = ("all",)
            pathways: tuple[tuple[str, str], ...] = ()
        else:
            keep = np.asarray(table.compatible.any(axis=0), dtype=bool)
            compatible = table.compatible[:, keep]
            eligible = np.array([s.eligible for s in table.strata], dtype=np.float64)[keep]
            labels = tuple(s.label for s, k in zip(table.strata, keep, strict=True) if k)
            pathways = table.referrals
        cell, stratum = np.nonzero(compatible)
        column = {name: j for j, name in enumerate(table.lists)}
        source = np.array([column[a] for a, _ in pathways], dtype=np.intp)
        target = np.array([column[b] for _, b in pathways], dtype=np.intp)
        seen_in = patterns[cell] * eligible[stratum]  # lists outside the stratum are ignored
        # (P, J, R): pathway r can have brought pair p's people onto list j.
        leads = (
            seen_in[:, source][:, None, :]
            * (target[None, :] == np.arange(len(table.lists))[:, None])[None, :, :]
            * eligible[stratum][:, :, None]
        )
        used = leads.any(axis=(0, 1))
        leads = leads[:, :, used]
        entry_pair, entry_list = np.nonzero(leads.any(axis=2))
        return cls(
            lists=table.lists,
            patterns=patterns,
            counts=table.counts.astype(np.float64),
            eligible=eligible,
            cell=cell,
            stratum=stratum,
            seen_in=seen_in,
            firsts=np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]]),
            labels=labels,
            pathways=tuple(pair for pair, u in zip(pathways, used, strict=True) if u),
            idle_pathways=tuple(pair for pair, u in zip(pathways, used, strict=True) if not u),
            entry_pair=entry_pair,
            entry_list=entry_list,
            entry_seen=patterns[cell[entry_pair], entry_list],
            entry_sources=leads[entry_pair, entry_list].astype(np.float64),
        )


def _log1mexp(a: FloatArray) -> FloatArray:
    """``log(1 - exp(a))`` for ``a < 0``, accurate near 0 and far below it (Maechler 2012)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(a > -math.log(2), np.log(-np.expm1(a)), np.log1p(-np.exp(a)))
    return out


class _Referrals:
    """The referral terms of the likelihood at one ``theta``, for the entries of :class:`_Data`.

    Without referrals a person on list *j* contributes ``log p`` and one not on it
    ``log(1 - p)``; where declared sources of *j* are on the person's history, the chance of
    staying off *j* is multiplied by ``prod (1 - r_kj)``, i.e. ``log(1 - p) + B`` with
    ``B = sum log(1 - r_kj)``. :attr:`correction` is the difference, per entry and node.
    """

    def __init__(self, d: _Data, q: FloatArray, eta: FloatArray, log_miss: FloatArray) -> None:
        self.q = q
        self.seen = d.entry_seen[:, None]
        self.sources = d.entry_sources
        where = (d.stratum[d.entry_pair], slice(None), d.entry_list)
        self.p = expit(eta[where])  # (T, Q)
        stays_off = self.sources @ log_expit(-q)  # (T,): B
        self.a = np.minimum(log_miss[where] + stays_off[:, None], -1e-12)  # log P(off j)
        self.correction = (
            self.seen * (_log1mexp(self.a) - eta[where] - log_miss[where])
            + (1 - self.seen) * stays_off[:, None]
        )

    def gradients(self, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Weighted derivatives of the corrections: by ``eta`` per (entry, node), and by ``q``."""
        odds = 1.0 / np.expm1(-self.a)  # P(off) / P(on)
        by_eta = weights * self.seen * (odds * self.p - 1 + self.p)
        by_b = (weights * (1 - self.seen * (1 + odds))).sum(axis=1)  # (T,)
        return by_eta, (self.sources.T @ by_b) * -expit(self.q)


class _Likelihood:
    """Log-likelihood pieces and their gradients for ``theta = (beta, delta, r, q[, log sigma])``.

    ``delta`` and ``r`` (stratum shares ``rho = softmax(r)``) hold ``S - 1`` values each: the
    first stratum's are 0. ``q`` are the referral shares' logits, one per declared pathway.
    ``sigma`` is fixed when given, else the last entry of ``theta``.
    """

    def __init__(self, data: _Data, sigma: float | None, pooling: float) -> None:
        self.d = data
        self.sigma = sigma
        self.pooling = pooling
        nodes, weights = np.polynomial.hermite_e.hermegauss(NODES)
        self.x = nodes
        self.log_w = np.log(weights / weights.sum())
        self.n_lists = data.patterns.shape[1]
        self.n_strata = data.eligible.shape[0]
        self.n_pathways = len(data.pathways)
        self.size = self.n_lists + 2 * (self.n_strata - 1) + self.n_pathways + (sigma is None)

    def start(self) -> FloatArray:
        """Lists at their observed rates, strata alike, referral shares 0.12, sigma 0.5."""
        rates = (self.d.patterns.T @ self.d.counts) / self.d.observed
        beta = np.log(np.clip(rates, 1e-3, 0.9) / 4)
        rest = np.zeros(2 * (self.n_strata - 1))
        shares = np.full(self.n_pathways, -2.0)
        spread = [math.log(0.5)] if self.sigma is None else []
        return np.concatenate([beta, rest, shares, spread])

    def unpack(
        self, theta: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, float]:
        """``beta``, ``delta``, ``log rho``, referral logits ``q`` and ``sigma``."""
        j, s, r = self.n_lists, self.n_strata, self.n_pathways
        beta = theta[:j]
        delta = np.concatenate([[0.0], theta[j : j + s - 1]])
        shares = np.concatenate([[0.0], theta[j + s - 1 : j + 2 * (s - 1)]])
        q = theta[j + 2 * (s - 1) : j + 2 * (s - 1) + r]
        sigma = self.sigma if self.sigma is not None else float(np.exp(theta[-1]))
        return beta, delta, shares - logsumexp(shares), q, sigma

    def pieces(self, theta: FloatArray, zero_weight: Any) -> tuple[FloatArray, float, FloatArray]:
        """``log P_c``, ``log P_0`` and the gradient of ``sum_c n_c log P_c + w0 log P_0``.

        ``zero_weight(P0)`` gives ``w0``: ``n P0 / (1 - P0)`` for the conditional likelihood's
        gradient, ``N - n`` for the full likelihood at a fixed ``N``.
        """
        d = self.d
        beta, delta, log_rho, q, sigma = self.unpack(theta)
        shift = delta[:, None] + sigma * self.x[None, :]  # (S, Q)
        eta = beta[None, None, :] + shift[:, :, None]  # (S, Q, J)
        p = expit(eta)
        log_miss = log_expit(-eta)  # (S, Q, J)
        miss = (log_miss * d.eligible[:, None, :]).sum(axis=2)  # (S, Q)
        caught = d.seen_in.sum(axis=1)  # (P,): lists the pair's people are on
        log_joint = (
            (log_rho[d.stratum] + d.seen_in @ beta)[:, None]
            + self.log_w[None, :]
            + caught[:, None] * shift[d.stratum]
            + miss[d.stratum]
        )  # (P, Q): as if no one were referred
        referral = _Referrals(d, q, eta, log_miss) if self.n_pathways else None
        if referral is not None:
            np.add.at(log_joint, d.entry_pair, referral.correction)
        firsts = d.firsts
        top = np.maximum.reduceat(log_joint.max(axis=1), firsts)  # per cell
        scaled = np.exp(log_joint - top[d.cell][:, None])
        log_pc = top + np.log(np.add.reduceat(scaled.sum(axis=1), firsts))  # (C,)
        post = scaled * np.exp(top - log_pc)[d.cell][:, None]  # (P, Q): posterior of (s, z)
        zero_joint = log_rho[:, None] + self.log_w[None, :] + miss  # (S, Q)
        log_p0 = float(logsumexp(zero_joint))
        post0 = np.exp(zero_joint - log_p0)
        w0 = float(zero_weight(math.exp(log_p0)))
        weighted = post * d.counts[d.cell][:, None]  # (P, Q)
        n_strata = len(log_rho)
        mass = w0 * post0  # (S, Q)
        np.add.at(mass, d.stratum, weighted)
        expected = (p * d.eligible[:, None, :]).sum(axis=2)  # (S, Q): sum_j E_sj p_sqj
        by_pair = weighted.sum(axis=1)  # (P,)
        grad_beta = by_pair @ d.seen_in - np.einsum("sq,sqj,sj->j", mass, p, d.eligible)
        hits = np.bincount(d.stratum, weights=by_pair * caught, minlength=n_strata)
        grad_delta = hits - (mass * expected).sum(axis=1)
        grad_r = (
            np.bincount(d.stratum, weights=by_pair, minlength=n_strata)
            + w0 * post0.sum(axis=1)
            - (d.observed + w0) * np.exp(log_rho)
        )
        spread = (weighted @ self.x) @ caught - (mass * expected * self.x[None, :]).sum()
        parts = [grad_beta, grad_delta[1:], grad_r[1:]]
        if referral is not None:
            by_eta, by_q = referral.gradients(weighted[d.entry_pair])
            totals = by_eta.sum(axis=1)
            grad_beta += np.bincount(d.entry_list, weights=totals, minlength=self.n_lists)
            by_stratum = np.bincount(d.stratum[d.entry_pair], weights=totals, minlength=n_strata)
            grad_delta += by_stratum
            spread += float((by_eta @ self.x).sum())
            parts.append(by_q)
        if self.sigma is None:
            parts.append(np.array([spread * sigma]))  # chain rule for log sigma
        return log_pc, log_p0, np.concatenate(parts)

    def conditional(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """Negative conditional log-likelihood of the observed histories, and its gradient."""
        n = self.d.observed
        log_pc, log_p0, grad = self.pieces(theta, lambda p0: n * p0 / (1 - p0))
        value = -(self.d.counts @ log_pc) + n * math.log1p(-min(math.exp(log_p0), 1 - 1e-15))
        return self._penalised(theta, float(value), -grad)

    def _penalised(
        self, theta: FloatArray, value: float, grad: FloatArray
    ) -> tuple[float, FloatArray]:
        """Add the normal prior ``delta_s ~ N(0, pooling^2)``: partial pooling of the strata.

        Without it a stratum that few people were seen in can take any visibility, and its
        share of the unseen with it; the prior keeps its visibility near the others' unless its
        own data say otherwise.
        """
        j, s = self.n_lists, self.n_strata
        delta = theta[j : j + s - 1]
        grad = grad.copy()
        grad[j : j + s - 1] += delta / self.pooling**2
        return value + float(delta @ delta) / (2 * self.pooling**2), grad

    def full(self, theta: FloatArray, total: float) -> tuple[float, FloatArray]:
        """Negative full log-likelihood at population size ``total`` (constants in N kept)."""
        n = self.d.observed
        log_pc, log_p0, grad = self.pieces(theta, lambda p0: total - n)
        value = (
            gammaln(total + 1) - gammaln(total - n + 1) + (total - n) * log_p0
            + self.d.counts @ log_pc
        )  # fmt: skip
        return self._penalised(theta, float(-value), -grad)


def _minimise(objective: Any, start: FloatArray, bounds: list[Any]) -> Any:
    return minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                    options={"maxiter": 2_000})  # fmt: skip


def _bounds(model: _Likelihood) -> list[Any]:
    bounds: list[Any] = [(None, None)] * model.size
    first = model.n_lists + 2 * (model.n_strata - 1)
    bounds[first : first + model.n_pathways] = [REFERRAL_LOGIT] * model.n_pathways
    if model.sigma is None:
        bounds[-1] = (math.log(1e-3), math.log(MAX_SIGMA))
    return bounds


@dataclass(frozen=True)
class _Fit:
    theta: FloatArray
    total: float
    sigma: float
    referral_shares: dict[str, float]
    nll: float


def _fit(data: _Data, sigma: float | None, pooling: float) -> _Fit:
    model = _Likelihood(data, sigma, pooling)
    result = _minimise(model.conditional, model.start(), _bounds(model))
    _log_pc, log_p0, _ = model.pieces(result.x, lambda p0: 0.0)
    p0 = math.exp(log_p0)
    if not math.isfinite(p0) or p0 >= 1 - 1e-9:
        raise NotEstimableError(
            "logit-normal: the fitted model puts almost everyone on no list (P0 ~ 1); the "
            "lists overlap too little to estimate visibility"
        )
    *_, q, fitted_sigma = model.unpack(result.x)
    shares = {f"{a} > {b}": float(v) for (a, b), v in zip(data.pathways, expit(q), strict=True)}
    return _Fit(result.x, data.observed / (1 - p0), fitted_sigma, shares, float(result.fun))


def _profile_interval(
    data: _Data, fit: _Fit, sigma: float | None, pooling: float, level: float
) -> tuple[float, float | None]:
    """Profile-likelihood interval for N: the Ns whose profile is within the chi-square cut."""
    model = _Likelihood(data, sigma, pooling)
    bounds = _bounds(model)
    n = data.observed

    def profile(total: float) -> float:
        # Always from the fit: a start carried over from a far-away N can end in a worse optimum.
        return float(_minimise(lambda t: model.full(t, total), fit.theta, bounds).fun)

    cut = profile(fit.total) + 0.5 * _chi2_quantile(level)

    def gap(total: float) -> float:
        return profile(total) - cut

    floor = n + 0.5
    tolerance = max(0.5, 1e-3 * fit.total)  # a thousandth of N: far below the interval's width
    lower = n if gap(floor) <= 0 else brentq(gap, floor, fit.total, xtol=tolerance)
    top = max(n * MAX_RATIO, 4 * fit.total)
    upper = None if gap(top) <= 0 else brentq(gap, fit.total, top, xtol=tolerance)
    return float(lower), None if upper is None else float(upper)


def _chi2_quantile(level: float) -> float:
    from scipy.stats import chi2

    return float(chi2.ppf(level, 1))


class LogitNormal:
    """Logit-normal heterogeneity within the lists' scopes (Coull & Agresti 1999, extended).

    Parameters
    ----------
    sigma : float or None, default None
        Spread of visibility on the logit scale; ``None`` estimates it.
    pooling : float, default 1.0
        Standard deviation of the normal prior on the strata's visibility shifts (logit
        scale): how far a sparse stratum may differ from the others before its data say so.
    level : float, default 0.95
        Level of the profile-likelihood interval.

    Attributes
    ----------
    estimate_ : Estimate
        Maximum-likelihood total, profile interval (``upper`` is ``inf`` when the profile does
        not come down within 50 times the observed count), ``sigma`` and per-stratum figures in
        the diagnostics.

    Raises
    ------
    NotEstimableError
        Fewer than 3 lists, or a fit that puts almost everyone on no list.

    Examples
    --------
    >>> cells = [0, 120, 100, 30, 90, 28, 25, 12]     # bitmask-indexed counts of 3 lists
    >>> table = CaptureHistories.from_cells(("A", "B", "C"), cells)
    >>> round(LogitNormal(sigma=0.0).fit(table).estimate_.estimate)   # = independence
    753
    >>> fit = LogitNormal().fit(table).estimate_
    >>> round(fit.estimate), round(fit.diagnostics["sigma"], 2)
    (1048, 0.81)
    """

    def __init__(
        self, *, sigma: float | None = None, pooling: float = 1.0, level: float = 0.95
    ) -> None:
        self.sigma = sigma
        self.pooling = pooling
        self.level = level

    def get_params(self) -> dict[str, Any]:
        """The keyword hyperparameters given to ``__init__``."""
        return {"sigma": self.sigma, "pooling": self.pooling, "level": self.level}

    @single_blas_thread
    def fit(self, table: CaptureHistories | StratifiedHistories) -> Self:
        """Fit by maximum likelihood; sets ``estimate_``."""
        if self.sigma is not None and not 0 <= self.sigma <= MAX_SIGMA:
            raise SettingsError(f"logit-normal: sigma must be in [0, {MAX_SIGMA}]")
        if len(table.lists) < 3:
            raise NotEstimableError(
                "logit-normal needs at least 3 lists: with 2, the spread of visibility cannot be "
                "told apart from the number of people on no list"
            )
        if table.observed == 0:
            raise NotEstimableError("logit-normal: no one was observed")
        data = _Data.of(table)
        if not self.pooling > 0:
            raise SettingsError("logit-normal: pooling must be > 0")
        fit = _fit(data, self.sigma, self.pooling)
        lower, upper = _profile_interval(data, fit, self.sigma, self.pooling, self.level)
        found = []
        if upper is None:
            found.append(
                f"logit-normal: the likelihood stays flat up to {MAX_RATIO:.0f} times the observed "
                "count (or four times the estimate): the data cannot bound the estimate from "
                "above (the spread of visibility is not pinned down); read the interval as open"
            )
        if self.sigma is None and fit.sigma > MAX_SIGMA * 0.99:
            found.append(
                f"logit-normal: the spread of visibility reached its bound ({MAX_SIGMA}); the "
                "estimate is driven by the assumption, not the data"
            )
        found.extend(
            f"logit-normal: the referral pathway {a} > {b} was left out: no one on {a} is in a "
            f"group {b} can see, so the data say nothing about it"
            for a, b in data.idle_pathways
        )
        found.extend(getattr(table, "notes", ()))
        spread = "estimated" if self.sigma is None else self.sigma
        strata = "1 stratum" if len(data.labels) == 1 else f"{len(data.labels)} strata"
        if data.pathways:
            strata += f", {len(data.pathways)} referral pathway" + "s" * (len(data.pathways) > 1)
        self.estimate_ = Estimate(
            lists=table.lists,
            observed=table.observed,
            method="logit-normal",
            model=(f"logit-normal visibility, sigma={spread}, {strata}",),
            estimate=fit.total,
            dark_figure=fit.total - table.observed,
            interval=Interval(
                level=self.level,
                lower=lower,
                upper=math.inf if upper is None else upper,
                kind="profile",
            ),
            warnings=tuple(found),
            diagnostics={
                "sigma": fit.sigma,
                "n_strata": len(data.labels),
                "nodes": NODES,
                "referral_shares": fit.referral_shares,
            },
        )
        return self


def visibility_sensitivity(
    table: CaptureHistories | StratifiedHistories,
    spreads: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0),
    *,
    level: float = 0.95,
) -> list[Estimate]:
    """The estimate if visibility varied between people by each spread ``sigma`` (logit scale).

    ``sigma = 0`` is independence within strata; ``sigma = 1`` means a person one standard
    deviation more visible than another has e (2.7) times the odds of being on each list. No
    data can say how invisible the people on no list are; this table shows how much the answer
    depends on it. Spreads whose model has no estimate are left out.
    """
    out = []
    for sigma in spreads:
        try:
            out.append(LogitNormal(sigma=sigma, level=level).fit(table).estimate_)
        except NotEstimableError:
            continue
    return out
