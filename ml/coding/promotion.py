"""When a newly trained coding model replaces the one in use.

A retrain on more history is usually better, but not always: a burst of unusual postings, a
chart-of-accounts change half-way through the held-out slice. Clerks notice a model that got
worse long before anyone reads metrics, so a new version is only put in use when, for every
target both versions measured, its held-out top-1 accuracy is not worse than the active one's
by more than a small tolerance (held-out slices of a few hundred lines move by a point or so
between retrains on nearly the same data, which is noise, not a regression).
"""

from collections.abc import Mapping

TOLERANCE = 0.01


def is_not_worse(
    new_metrics: Mapping[str, object],
    old_metrics: Mapping[str, object] | None,
    tolerance: float = TOLERANCE,
) -> tuple[bool, str]:
    """Whether the new model may replace the old one, and a sentence saying why.

    Metrics are ``CodingModel.metrics()`` (target -> held-out figures or None), possibly with
    other keys beside them; only targets that both versions measured (a ``top1`` on each side)
    are compared. No old model, or no target in common, means nothing to be worse than.
    """
    if old_metrics is None:
        return True, "no model in use yet"
    compared: list[str] = []
    worse: list[str] = []
    for target in sorted(set(new_metrics) & set(old_metrics)):
        new_top1 = _top1(new_metrics[target])
        old_top1 = _top1(old_metrics[target])
        if new_top1 is None or old_top1 is None:
            continue
        figures = f"{target} {new_top1:.3f} vs {old_top1:.3f}"
        compared.append(figures)
        if new_top1 < old_top1 - tolerance:
            worse.append(figures)
    if worse:
        return False, (
            f"held-out top-1 worse than the model in use by more than {tolerance:.2f}: "
            + ", ".join(worse)
        )
    if not compared:
        return True, "no target measured on held-out lines by both versions"
    return True, "held-out top-1 not worse: " + ", ".join(compared)


def _top1(figures: object) -> float | None:
    if not isinstance(figures, Mapping):
        return None
    value = figures.get("top1")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
