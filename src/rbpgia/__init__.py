"""Global importance analysis (GIA) for RNA-binding proteins.

The package is a library of small functions over NumPy arrays; the Snakemake workflow
in ``workflow/`` is a thin layer that calls it. The workflow's own support code lives in
:mod:`rbpgia.workflow`, which no other module of the package imports.
"""

__version__ = "0.1.0"
