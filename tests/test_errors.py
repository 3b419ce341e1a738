"""Every exception and warning class defined in kommunanalys derives from the package's roots."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import pytest

import kommunanalys
from kommunanalys import errors
from kommunanalys.errors import KommunanalysError, KommunanalysWarning


def _modules():
    """Every module of the package, subpackages included (walked, not listed by hand)."""
    names = [kommunanalys.__name__]
    names += [info.name for info in pkgutil.walk_packages(kommunanalys.__path__, prefix="kommunanalys.")]
    for name in names:
        yield importlib.import_module(name)


def _defined_classes():
    for module in _modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                yield cls


def test_the_walk_sees_subpackages_and_the_known_classes():
    names = {m.__name__ for m in _modules()}
    assert "kommunanalys.report.deck" in names and "kommunanalys.report.engine" in names
    classes = set(_defined_classes())
    assert {errors.KoladaWarning, errors.EfficiencyWarning, errors.KernelResetError} <= classes


def test_every_exception_and_warning_derives_from_a_root():
    strays = []
    for cls in _defined_classes():
        if issubclass(cls, Warning):
            if not issubclass(cls, KommunanalysWarning):
                strays.append(f"{cls.__module__}.{cls.__qualname__} (warning)")
        elif issubclass(cls, BaseException) and not issubclass(cls, KommunanalysError):
            strays.append(f"{cls.__module__}.{cls.__qualname__} (exception)")
    assert not strays, f"outside the package's roots: {strays}"


def test_the_roots_and_compatible_bases():
    assert issubclass(KommunanalysWarning, UserWarning)
    assert issubclass(errors.KernelResetError, RuntimeError)  # callers that caught RuntimeError still do
    assert issubclass(errors.InputError, ValueError)
    # the modules that raise them still export them
    from kommunanalys import efficiency, kolada
    assert kolada.KoladaWarning is errors.KoladaWarning and kolada.KoladaFetchError is errors.KoladaFetchError
    assert efficiency.EfficiencyWarning is errors.EfficiencyWarning


def test_one_filter_silences_every_package_warning():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=KommunanalysWarning)
        warnings.warn("x", errors.KoladaWarning)
        warnings.warn("y", errors.EfficiencyWarning)
    assert seen == []


@pytest.mark.parametrize("name", errors.__all__)
def test_exported_names_are_classes_of_the_tree(name):
    cls = getattr(errors, name)
    assert issubclass(cls, (KommunanalysError, KommunanalysWarning))
