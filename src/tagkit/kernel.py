"""The project's named Jupyter kernel, which papermill and nbval run the notebooks in."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from tagkit.errors import UsageError

KERNEL_NAME = "tagkit"
DISPLAY_NAME = "Python (tagkit)"
# the kernel's own start-up warnings (e.g. about TCP transport on localhost) would print once per
# notebook of every run; errors still show
QUIET = "--IPKernelApp.log_level=ERROR"


def install_kernel(prefix: str | None = None) -> Path:
    """Register the kernel in this environment (``sys.prefix``) and return its folder."""
    from ipykernel.kernelspec import install

    folder = Path(install(kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME, prefix=prefix or sys.prefix))
    spec_file = folder / "kernel.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    if QUIET not in spec["argv"]:
        spec["argv"].insert(spec["argv"].index("-f"), QUIET)
    spec_file.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return folder


def check_kernel(name: str = KERNEL_NAME) -> None:
    """Fail early, with the fix, when the kernel is not registered."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel as exc:
        raise UsageError(
            f"Jupyter kernel '{name}' is not registered. Register it once with `tagkit install-kernel` "
            "(make report and make test do this)."
        ) from exc
