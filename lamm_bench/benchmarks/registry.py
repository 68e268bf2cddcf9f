"""The benchmark registry: one :class:`~lamm_bench.benchmarks.spec.BenchmarkSpec` per catalog benchmark.

The 17 LAMM benchmarks are defined in :mod:`lamm_bench.benchmarks.suite` and loaded on first use.
:func:`register` adds a spec for a benchmark that was added to the catalog with
:func:`lamm_data.catalog.register` (see ``docs/adding-a-benchmark.md``).
"""

from __future__ import annotations

from collections.abc import Iterator

from lamm_bench.benchmarks.spec import BenchmarkSpec
from lamm_data.catalog import benchmark_names, resolve
from lamm_data.errors import LammError, UnknownNameError

_SPECS: dict[str, BenchmarkSpec] = {}


class RegistryError(LammError, ValueError):
    """A spec that cannot be registered (no catalog benchmark of that name, or one already registered)."""


def _loaded() -> dict[str, BenchmarkSpec]:
    if not _SPECS:
        from lamm_bench.benchmarks.suite import LAMM_SPECS

        for item in LAMM_SPECS:
            _SPECS[item.name] = item
    return _SPECS


def register(spec: BenchmarkSpec, *, replace: bool = False) -> BenchmarkSpec:
    """Add the spec of a catalog benchmark (its entry must be registered in :mod:`lamm_data.catalog` first).

    Raises:
        RegistryError: the name is not a catalog benchmark, or already has a spec (unless ``replace``).
    """
    try:
        entry = resolve(spec.name)
    except UnknownNameError as exc:
        raise RegistryError(f"cannot register {spec.name!r}: {exc}") from None
    if entry.name != spec.name or not entry.is_benchmark:
        raise RegistryError(f"cannot register {spec.name!r}: the spec must carry the canonical name of a catalog "
                            f"benchmark ({entry.name} is {'an alias' if entry.is_benchmark else 'not a benchmark'})")
    specs = _loaded()
    if spec.name in specs and not replace:
        raise RegistryError(f"{spec.name} already has a spec; pass replace=True to replace it")
    specs[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a registered spec (for tests and plug-ins that registered one)."""
    _loaded().pop(name, None)


def get_spec(name: str) -> BenchmarkSpec:
    """The spec of a benchmark, by canonical name or any alias.

    Raises:
        UnknownNameError: ``name`` is not in the catalog.
        RegistryError: it is not a benchmark, or no spec was registered for it.
    """
    specs = _loaded()
    found = specs.get(name)
    if found is not None:
        return found
    entry = resolve(name)
    if entry.name not in specs:
        why = "has no registered spec" if entry.is_benchmark else "is not a benchmark file"
        raise RegistryError(f"{entry.name} {why}")
    return specs[entry.name]


def specs() -> Iterator[BenchmarkSpec]:
    """Every spec, in catalog order."""
    table = _loaded()
    for name in benchmark_names():
        if name in table:
            yield table[name]
