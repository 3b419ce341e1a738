"""Test-session set-up shared by tests/ and the nbval run over notebooks/."""

def _kernels_over_ipc() -> None:
    """nbval starts its kernels with jupyter_client's KernelManager over TCP; with two xdist
    workers starting kernels at once, a port can be taken between being chosen and bound. Let
    nbval's kernels use IPC sockets, as the package's own kernels do (kommunanalys.report.engine)."""
    try:
        import nbval.kernel
        from jupyter_client.manager import KernelManager
    except ImportError:  # pragma: no cover
        return
    from kommunanalys.report.engine import ipc_kwargs

    class _IPCKernelManager(KernelManager):
        def __init__(self, **kwargs):
            super().__init__(**ipc_kwargs(kwargs))

    nbval.kernel.KernelManager = _IPCKernelManager


_kernels_over_ipc()
