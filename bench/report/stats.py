"""Medians, percentiles and ranges, the way RESULTS.md reports them."""
import statistics


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]


def summary(values):
    """{median, min, max, n} of per-round values; None when there are none."""
    v = [x for x in values if x is not None]
    if not v:
        return None
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v)}


def distribution(values):
    v = list(values)
    if not v:
        return None
    return {"p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99), "max": max(v), "n": len(v)}
