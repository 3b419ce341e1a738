"""papermill's entry point for the warm-kernel engine (``pyproject.toml``, ``papermill.engine``).

papermill loads its entry points while ``papermill.engines`` is being imported. The engine
(:class:`kommunanalys.report.engine.WarmKernelEngine`) subclasses papermill's ``NBClientEngine``, so
pointing the entry point at it would import papermill from inside papermill's own import whenever
``kommunanalys.report.engine`` is imported first (a circular import). This stand-in imports nothing: any
attribute papermill asks of it (``execute_notebook``, ``nb_kernel_name``, ``nb_language``) is the
engine's own, looked up on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WarmKernelEngine"]


class _ForwardToEngine(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        from .engine import WarmKernelEngine as engine

        return getattr(engine, name)


class WarmKernelEngine(metaclass=_ForwardToEngine):
    """What papermill registers as ``"kommunanalys-warm"``: forwards to the warm-kernel engine."""
