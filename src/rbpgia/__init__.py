"""Global importance analysis (GIA) for RNA-binding proteins.

The package is a library of small functions over NumPy arrays; the Snakemake workflow
in ``workflow/`` is a thin layer that calls it.
"""

__version__ = "0.1.0"
