"""Lifetime value: BG/NBD for how often a customer buys and whether they are still a customer,
Gamma-Gamma for how much they spend per purchase (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

In plain words: while "alive", each customer buys at their own steady rate (rates vary between
customers as a gamma distribution with shape r and scale alpha); after every purchase they may
drop out for good with their own probability (which varies as a beta distribution with a, b). We
never see dropping out, only purchases stopping, so the model weighs a long silence against the
customer's usual rhythm: P(alive). Spend per purchase varies around each customer's own mean
(gamma with shape p), and those means vary between customers (gamma with q, gamma); a customer's
expected spend shrinks their observed average towards the shop's, more so with few purchases.

Why our own likelihood with scipy rather than pymc-marketing: the two models are six closed-form
log-likelihoods; numpy evaluates them over all customers at once and `scipy.optimize` finds the
maximum in well under a second on a sample, with no compiler toolchain, no PyTensor and no
hundreds of megabytes of dependencies in the nightly job. `lifetimes` is unmaintained since 2020.

Time is measured in weeks. x is the number of repeat purchases (purchases - 1), t_x the time from
the first to the last purchase, T the time from the first purchase to the cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

Array = np.ndarray


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float

    def as_dict(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "v": self.v}


def bgnbd_log_likelihood(params: Array, x: Array, t_x: Array, T: Array) -> Array:
    """Each customer's log-likelihood under BG/NBD (Fader, Hardie & Lee 2005, equation 6)."""
    r, alpha, a, b = params
    common = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
              + special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x))
    still = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # the second term exists only for customers who bought again (they may have dropped out after t_x)
    dropped = np.where(repeat, np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x), -np.inf)
    return np.asarray(common + np.logaddexp(still, dropped), dtype=np.float64)


def fit_bgnbd(x: Array, t_x: Array, T: Array, start: BgNbd | None = None) -> BgNbd:
    """Maximum likelihood, on log parameters so they stay positive. `start`: a fit of nearly the
    same data (the nightly holdout fit, 13 weeks shorter), which the search then starts from."""
    def negative(log_params: Array) -> float:
        with np.errstate(all="ignore"):  # the optimiser probes extreme parameters; those score +inf
            value = -float(np.sum(bgnbd_log_likelihood(np.exp(log_params), x, t_x, T)))
        return value if np.isfinite(value) else np.inf

    guess = [1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0] if start is None else [start.r, start.alpha, start.a, start.b]
    best = optimize.minimize(negative, np.log(guess), method="Nelder-Mead",
                             options={"maxiter": 1000, "xatol": 1e-4, "fatol": 1e-6})
    polished = optimize.minimize(negative, best.x, method="L-BFGS-B")
    chosen = polished.x if polished.fun <= best.fun else best.x
    r, alpha, a, b = np.exp(chosen)
    return BgNbd(float(r), float(alpha), float(a), float(b))


def p_alive(model: BgNbd, x: Array, t_x: Array, T: Array) -> Array:
    """Probability that the customer has not dropped out by T (equation 12 of the BG/NBD note)."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    ratio = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
    return np.where(x > 0, 1.0 / (1.0 + a / np.maximum(b + x - 1, 1e-12) * ratio), 1.0)


def expected_purchases(model: BgNbd, t: float, x: Array, t_x: Array, T: Array) -> Array:
    """Expected purchases in the next t weeks given the history (equation 10)."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    if abs(a - 1) < 1e-6:  # the closed form has a removable singularity at a = 1
        a = 1 + 1e-6
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        left = (a + b + x - 1) / (a - 1) * (1 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyp)
        ratio = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
        denominator = 1 + np.where(x > 0, a / np.maximum(b + x - 1, 1e-12) * ratio, 0.0)
        exact = left / denominator
    # For very frequent buyers the hypergeometric function overflows; there the expected purchases
    # of a customer still alive at their posterior rate (r + x) / (alpha + T), times P(alive), is
    # the same to within the chance of dropping out during t, which is small for them.
    approximate = p_alive(model, x, t_x, T) * (r + x) / (alpha + T) * t
    bad = ~np.isfinite(exact) | (exact < 0)
    return np.asarray(np.where(bad, approximate, exact), dtype=np.float64)


def gamma_gamma_log_likelihood(params: Array, x: Array, m: Array) -> Array:
    """Log-likelihood of each customer's mean spend m over x purchases (Fader & Hardie 2013)."""
    p, q, v = params
    px = p * x
    return np.asarray(special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(v + m * x), dtype=np.float64)


def fit_gamma_gamma(x: Array, m: Array, start: GammaGamma | None = None) -> GammaGamma:
    """Fitted on customers with a repeat purchase (x > 0) and a positive average; `start` as for
    `fit_bgnbd`."""
    chosen = (x > 0) & (m > 0)
    xs, ms = x[chosen], m[chosen]

    def negative(log_params: Array) -> float:
        with np.errstate(all="ignore"):
            value = -float(np.sum(gamma_gamma_log_likelihood(np.exp(log_params), xs, ms)))
        return value if np.isfinite(value) else np.inf

    guess = [2.0, 3.0, max(float(np.mean(ms)) if len(ms) else 1.0, 1.0)] if start is None else [start.p, start.q, start.v]
    result = optimize.minimize(negative, np.log(guess), method="Nelder-Mead", options={"maxiter": 1000, "xatol": 1e-4, "fatol": 1e-6})
    p, q, v = np.exp(result.x)
    return GammaGamma(float(p), float(q), float(v))


def expected_spend_per_purchase(model: GammaGamma, x: Array, m: Array) -> Array:
    """Expected average spend per future purchase: the observed mean shrunk towards the shop's."""
    p, q, v = model.p, model.q, model.v
    q = max(q, 1.0001)
    return np.asarray((v + x * m) * p / (p * x + q - 1), dtype=np.float64)
