"""The domain: one module per concept (customers' coupons, loyalty, tiers, orders, tickets, bookings, ...).

Imports only `models` and the spine's small types, never handlers, the console, the API, jobs or channels."""
