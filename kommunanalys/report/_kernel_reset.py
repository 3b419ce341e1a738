"""The kernel side of the warm-kernel engine (:mod:`kommunanalys.report.engine`): snapshot and reset.

This module runs **inside** a warm kernel. The engine sends its source to the kernel, which runs
it as the hidden module ``_kommunanalys_warm`` (so it works on any kernel that has IPython, even
one whose interpreter cannot import kommunanalys): :func:`snapshot` once after start,
:func:`reset` before every notebook. It imports nothing beyond the standard library at import
time; what it restores is described in :mod:`kommunanalys.report.engine`.

The garbage collector is frozen here, and only here in the package: after the warm imports and
after each reset, what survived a full collection is long-lived (modules, the cached survey), so
``gc.freeze()`` keeps later collections from scanning it again. This is the batch's own kernel,
never a user's.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import warnings

_state: dict = {}


def snapshot(imports: list[str] | tuple[str, ...]) -> None:
    """Import the warm modules and remember the state a fresh kernel has after those imports."""
    import importlib
    for name in imports:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if "matplotlib.pyplot" in sys.modules:
        # load and activate the backend (inline: interactive mode, figure flushing after each cell)
        # as a notebook's first figure does; from then on the kernel keeps that state
        plt = sys.modules["matplotlib.pyplot"]
        plt.close(plt.figure())
        _clear_inline_queue()
    gc.collect()
    gc.freeze()
    _state["sys.path"] = list(sys.path)
    _state["launch_cwd"] = os.getcwd()
    _state["sys.argv"] = list(sys.argv)
    _state["environ"] = dict(os.environ)
    _state["warnings"] = list(warnings.filters)
    root = logging.getLogger()
    _state["logging"] = (root.level, list(root.handlers))
    if "matplotlib" in sys.modules:
        import matplotlib
        _state["rcParams"] = dict(matplotlib.rcParams.copy())
    if "pandas" in sys.modules:
        import pandas
        keys = list(pandas._config.config._registered_options)
        values = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key in keys:
                try:
                    values[key] = pandas.get_option(key)
                except Exception:
                    pass
        _state["pandas"] = values
    if "numpy" in sys.modules:
        import numpy
        _state["numpy"] = numpy.get_printoptions()


def _clear_inline_queue() -> None:
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    show = getattr(inline, "show", None)
    if show is not None and hasattr(show, "_to_draw"):
        show._to_draw = []
        show._draw_called = False


def reset(cwd: str) -> None:
    """Put the kernel back in the state of a fresh kernel that has run the warm imports."""
    from IPython import get_ipython

    ip = get_ipython()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
        _clear_inline_queue()
    ip.reset(new_session=True)
    if "rcParams" in _state:
        import matplotlib
        dict.update(matplotlib.rcParams, _state["rcParams"])
    if "pandas" in _state:
        import pandas
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key, value in _state["pandas"].items():
                try:
                    if pandas.get_option(key) != value:
                        pandas.set_option(key, value)
                except Exception:
                    pass
    if "numpy" in _state:
        import numpy
        numpy.set_printoptions(**_state["numpy"])
    warnings.filters[:] = _state["warnings"]
    warnings._filters_mutated()  # forget which warnings were already shown once
    for module in list(sys.modules.values()):
        registry = getattr(module, "__warningregistry__", None)
        if isinstance(registry, dict):
            registry.clear()
    root = logging.getLogger()
    root.setLevel(_state["logging"][0])
    root.handlers[:] = _state["logging"][1]
    # a fresh kernel started in `cwd` has `cwd` where this one has the folder it was started in
    launch = _state["launch_cwd"]
    sys.path[:] = [cwd if p == launch else p for p in _state["sys.path"]]
    sys.argv[:] = _state["sys.argv"]
    if dict(os.environ) != _state["environ"]:
        os.environ.clear()
        os.environ.update(_state["environ"])
    os.chdir(cwd)
    from pathlib import Path
    ip.history_manager.dir_hist[:] = [Path.cwd()]
    ip.execution_count = 1
    # IPython's reset ran a full garbage collection; what survived it is long-lived (modules, the
    # cached survey): freeze it, so later collections only scan what the next notebook creates
    gc.freeze()
