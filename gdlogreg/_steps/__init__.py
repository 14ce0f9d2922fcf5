"""Step rules: how gradient descent chooses its step, one class a file.

Every rule is a small object driving the one loop of :func:`gdlogreg._solver.minimize`:
``start`` gives the first :class:`~gdlogreg._objective.Point`, ``update`` the
next one (``w := w - step·direction``), ``step`` the step it last used. A rule
registers itself with :func:`register` under the name that the estimator's
``solver`` parameter takes; every module of this package is imported here, so
a new rule is one new file (see docs/architecture.rst).
"""

import importlib
import pkgutil

from ._base import RULES, StepRule, register

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")


def make_rule(solver, learning_rate, stats=None):
    """The step rule named ``solver`` with the given learning rate (a float or "auto")."""
    return RULES[solver](learning_rate, stats)


__all__ = ["RULES", "StepRule", "make_rule", "register"]
