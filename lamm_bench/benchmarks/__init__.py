"""The benchmark registry: one typed, frozen spec per catalog benchmark.

* :mod:`lamm_bench.benchmarks.spec`: the types (:class:`BenchmarkSpec`, :class:`Metric`, :class:`InferenceProtocol`);
* :mod:`lamm_bench.benchmarks.suite`: the 17 LAMM benchmarks, everything about each in one place;
* :mod:`lamm_bench.benchmarks.registry`: lookup (:func:`get_spec`, :func:`specs`) and :func:`register`;
* :mod:`lamm_bench.benchmarks.prompts`: LAMM's benchmark query layout (torch-free).
"""

from lamm_bench.benchmarks.registry import RegistryError, get_spec, register, specs, unregister
from lamm_bench.benchmarks.spec import BenchmarkSpec, InferenceProtocol, Metric

__all__ = ["BenchmarkSpec", "InferenceProtocol", "Metric", "RegistryError", "get_spec", "register", "specs",
           "unregister"]
