"""The Snakemake workflow's support code: config loading and validation, the training and
GIA job helpers, logging, start-up and report labels.

Only the workflow (``workflow/rules``, ``workflow/scripts``), its tests and the benchmarks
import this subpackage; the library itself (every other module of :mod:`rbpgia`) never
does, so it works on its own outside the workflow (``tests/test_package.py`` checks both).
"""
