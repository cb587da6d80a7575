"""The lead/lag study's plot: correlation against lag, each asset thin, the pool bold."""

from __future__ import annotations

from pathlib import Path

from violet.study.lead_lag_study import LeadLagResult


def plot(result: LeadLagResult, path: Path, title: str) -> bool:
    """Writes the PNG; False where matplotlib is not installed (the `bench` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(10, 5.5))
    for curve in result.per_asset:
        lags = sorted(curve.corr_by_lag_ms)
        ax.plot(lags, [curve.corr_by_lag_ms[k] for k in lags], color="tab:gray", alpha=0.35, linewidth=0.8)
    pooled = result.pooled
    lags = sorted(pooled.corr_by_lag_ms)
    ax.plot(lags, [pooled.corr_by_lag_ms[k] for k in lags], color="tab:blue", linewidth=2.2, label="pooled")
    if pooled.best_lag_ms is not None:
        ax.axvline(pooled.best_lag_ms, color="tab:red", linestyle="--", linewidth=1)
        ax.annotate(
            f"{pooled.best_lag_ms} ms ({pooled.best_corr:+.2f})",
            (pooled.best_lag_ms, pooled.best_corr or 0.0),
            textcoords="offset points",
            xytext=(6, 6),
            color="tab:red",
        )
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("lag, ms (> 0: Binance leads BingX; < 0: BingX leads)")
    ax.set_ylabel("correlation of mid returns")
    ax.set_title(f"{title}: {len(result.per_asset)} assets (gray), {result.bin_ms} ms bins")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
