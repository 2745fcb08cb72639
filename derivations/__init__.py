"""Executable derivations of why gradients vanish and explode in recurrent networks.

Each derivation is registered under a stable dotted id (``rnn.step-jacobian``), derives its
result with SymPy, proves it equals the closed form the site states, and exports the LaTeX.
"""
