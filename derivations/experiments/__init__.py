"""Numerical experiments that the notebooks run and plot; each module pairs with a test module."""
