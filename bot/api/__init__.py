"""The shop API, `/api/v1`: orders, coupon redemption and look-ups for POS and e-shop systems.

`openapi.json` beside this file documents every route; a test keeps the two in step.
"""

from bot.api import coupons_routes, customers_routes, events_routes, orders_routes, points_routes, products_routes  # noqa: F401 - they add their routes
from bot.api.blueprint import api

__all__ = ["api"]
