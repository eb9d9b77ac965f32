"""Query API handlers, one module per area (users, groups, roles, policies, sts, …).

Every module here is imported by :meth:`api.apps.ApiConfig.ready`; see :mod:`api.registry`.
"""

import importlib
import pkgutil


def load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
