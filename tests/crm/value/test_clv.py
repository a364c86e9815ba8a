"""The lifetime-value models recover the parameters of the process that made the data.

Tolerances (stated in the README): with 6,000 simulated customers, BG/NBD r within 20 % and
alpha within 25 %; a and b (the drop-out mix, weakly identified from 1.5 years) within 45 %; the
total of expected purchases in the next 39 weeks within 6 % of what the process then did.
Gamma-Gamma p, q and v within 25 %. Fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from bot.crm.value.clv import expected_purchases, expected_spend_per_purchase, fit_bgnbd, fit_gamma_gamma, p_alive
from tests.crm.value.simulate import bgnbd_histories, gamma_gamma_spend

TRUE = {"r": 0.24, "alpha": 4.41, "a": 0.79, "b": 2.43}  # the CDNOW estimates of Fader, Hardie & Lee
TOLERANCE = {"r": 0.20, "alpha": 0.25, "a": 0.45, "b": 0.45}


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(16)
    T = rng.uniform(30, 78, 6000)
    return bgnbd_histories(rng, 6000, T=T, horizon=39, **TRUE)


def test_bgnbd_fit_recovers_the_parameters(simulated):
    x, t_x, T, _ = simulated
    fitted = fit_bgnbd(x, t_x, T).as_dict()
    for name, value in TRUE.items():
        assert fitted[name] == pytest.approx(value, rel=TOLERANCE[name]), (name, fitted)


def test_bgnbd_predicts_the_held_out_weeks(simulated):
    x, t_x, T, future = simulated
    model = fit_bgnbd(x, t_x, T)
    predicted = expected_purchases(model, 39, x, t_x, T)
    assert predicted.sum() == pytest.approx(future.sum(), rel=0.06)
    assert np.corrcoef(predicted, future)[0, 1] > 0.5
    alive = p_alive(model, x, t_x, T)
    assert np.all((alive >= 0) & (alive <= 1))
    # a long silence after a brisk rhythm is less likely alive than a recent purchase
    assert p_alive(model, np.array([10.0]), np.array([10.0]), np.array([60.0]))[0] < \
        p_alive(model, np.array([10.0]), np.array([58.0]), np.array([60.0]))[0]


def test_gamma_gamma_fit_recovers_the_parameters():
    rng = np.random.default_rng(3)
    purchases = 1 + rng.poisson(3, 6000).astype(float)
    spend = gamma_gamma_spend(rng, purchases, 6.25, 3.74, 15.44)
    model = fit_gamma_gamma(purchases, spend)
    assert (model.p, model.q, model.v) == pytest.approx((6.25, 3.74, 15.44), rel=0.25)
    expected = expected_spend_per_purchase(model, purchases, spend)
    assert expected.mean() == pytest.approx(spend.mean(), rel=0.05)
