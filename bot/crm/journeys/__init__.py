"""Journeys: automated customer flows from lead to first purchase to loyal member.

The modules, each small: `definition` (the steps and their validation), `store` (saving versions,
status, export), `enrollment` (entry, re-entry, holdout), `triggers` (signals, orders, scheduled
triggers, the goal), `steps` (what each kind of step does), `tick` (advancing due enrollments
exactly once), `results` (counts and conversion), `templates` (the built-in journeys). The
frequency cap and quiet hours live in `bot.crm.pacing`, shared with broadcasts.
"""
