"""cnnexam: randomized, individually seeded exams on convolutional neural networks.

Subpackages: ``solutions`` (the reference engine), ``model`` (the format-neutral question model),
``templates`` (one module per randomized problem template), ``generator`` (seeding, assembly,
renderers) and ``autograder``. Importing the package is cheap: Numba loads on the first engine call.
"""

__version__ = "0.1.0"
