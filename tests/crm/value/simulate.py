"""Synthetic purchase histories with known structure, for the value models' tests."""

from __future__ import annotations

import numpy as np


def bgnbd_histories(rng: np.random.Generator, n: int, r: float, alpha: float, a: float, b: float,
                    T: np.ndarray, horizon: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T, future purchases in (T, T + horizon]) drawn from a BG/NBD process: each customer
    buys at a gamma-distributed rate and may drop out after each purchase with a beta-distributed
    probability. Vectorised over customers, looping over purchase numbers."""
    rate = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    now = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    x = np.zeros(n)
    t_x = np.zeros(n)
    future = np.zeros(n)
    end = T + horizon
    for _ in range(1000):
        if not alive.any():
            break
        now = now + rng.exponential(1.0, n) / np.maximum(rate, 1e-12)
        buying = alive & (now <= end)
        before = buying & (now <= T)
        x[before] += 1
        t_x[before] = now[before]
        future[buying & (now > T)] += 1
        alive = buying & (rng.random(n) >= drop)
    return x, t_x, T.astype(float), future


def gamma_gamma_spend(rng: np.random.Generator, purchases: np.ndarray, p: float, q: float, v: float) -> np.ndarray:
    """Mean spend over each customer's purchases: spend per purchase ~ gamma(p, rate nu), with
    nu ~ gamma(q, rate v) per customer (the sum of k gammas of shape p is one of shape k p)."""
    nu = rng.gamma(q, 1 / v, len(purchases))
    return rng.gamma(purchases * p, 1 / nu) / purchases
