"""Marketing: segments, broadcast planning and scheduling, results. No web framework here, so the
console, the scheduler's jobs and the benchmarks share it."""
