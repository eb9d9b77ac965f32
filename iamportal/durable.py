"""Failure bookkeeping that must outlive the transaction of a failed request.

A wrong MFA code or a wrong old password is counted (django-otp's throttle, a throttle row)
and then the operation raises. A console view calls such an operation outside any
transaction, so the count is committed at once. The Query API runs each action in one
transaction, which the error rolls back — and the count with it, which would let an API
caller guess without limit. So an operation that counts a failure also calls :func:`keep`
with a function that counts it again; :func:`collecting` (the API's dispatcher) runs those
functions after the rollback, outside the transaction. Outside :func:`collecting`, ``keep``
does nothing: the count already stands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_pending: ContextVar[list[Callable[[], None]] | None] = ContextVar("iamportal_durable", default=None)


def keep(effect: Callable[[], None]) -> None:
    """Make sure ``effect`` (already applied in the current transaction) survives a rollback
    of the request that :func:`collecting` wraps, by applying it again after one."""
    pending = _pending.get()
    if pending is not None:
        pending.append(effect)


@contextmanager
def collecting() -> Iterator[None]:
    """Around a transaction: if it ends with an exception, apply every kept effect again,
    after the rollback, then let the exception go on."""
    token = _pending.set([])
    try:
        yield
    except BaseException:
        effects = _pending.get() or []
        _pending.reset(token)
        token = None
        for effect in effects:
            effect()
        raise
    finally:
        if token is not None:
            _pending.reset(token)
