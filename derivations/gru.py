"""The GRU in PyTorch's ``nn.GRUCell`` conventions: the direct path and the Jacobian of one step.

Model (gates stacked in the order r, z, n in weight_ih, weight_hh, bias_ih, bias_hh)::

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr),   z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

σ is left generic in the proofs; the numeric API takes it to be the logistic sigmoid.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from .gated import (H_PREV, TANH, TANH_PRIME, X_T, Evaluated, at_t, blocks, column, compile_sigmoid, evaluate,
                    explicit_instances, hadamard, minus, one_minus, plus, prove_slopes, stacked)
from .instances import substitute
from .notation import Partial, elementwise, sigma
from .numeric import Shapes
from .registry import definition, derivation
from .rnn import SIGMA_PRIME

GATES = "rzn"
W_I, W_H, B_I, B_H = blocks(GATES)
R, Z, N, H = (at_t(name) for name in "rznh")
R_P, Z_P, N_P = (at_t(f"{name}'") for name in "rzn")
RECURRENT_N = W_H["n"] * H_PREV + B_H["n"]
"""W_hn h_{t-1} + b_hn, the part of n_t's pre-activation that the reset gate scales."""
PRE = {k: plus(W_I[k] * X_T, B_I[k], W_H[k] * H_PREV, B_H[k]) for k in "rz"}
PRE["n"] = plus(W_I["n"] * X_T, B_I["n"], hadamard(R, RECURRENT_N))
"""The pre-activation of each gate and of the candidate, in PyTorch's order of terms."""
HIDDEN = sp.MatAdd(hadamard(one_minus(Z), N), hadamard(Z, H_PREV), evaluate=False)
DEFINITIONS = {
    H: HIDDEN, R: elementwise(sigma, PRE["r"]), Z: elementwise(sigma, PRE["z"]), N: elementwise(TANH, PRE["n"]),
    R_P: elementwise(SIGMA_PRIME, PRE["r"]), Z_P: elementwise(SIGMA_PRIME, PRE["z"]),
    N_P: elementwise(TANH_PRIME, PRE["n"]),
}
"""Each symbol the closed forms show, defined in terms of the parameters, h_{t-1} and x_t."""

D_H_H = Partial(H, H_PREV)
DIRECT_PATH = DiagMatrix(Z)
"""The term of ∂h_t/∂h_{t-1} through neither a gate nor n_t, proved by ``gru.direct-path``."""
CUT = (W_H["r"], W_H["z"], W_H["n"])
"""The recurrent weights into the gates and the candidate: with them zero, only the direct path is left."""
STEP_JACOBIAN = sp.MatAdd(
    DIRECT_PATH, DiagMatrix(hadamard(minus(H_PREV, N), Z_P)) * W_H["z"],
    DiagMatrix(hadamard(one_minus(Z), N_P))
    * sp.MatAdd(DiagMatrix(R) * W_H["n"], DiagMatrix(hadamard(RECURRENT_N, R_P)) * W_H["r"], evaluate=False),
    evaluate=False)
"""∂h_t/∂h_{t-1}: the direct path, the update gate, and the candidate (directly and through r_t);
proved by ``gru.step-jacobian``."""

SIZES = (1, 2)
"""n for which the step Jacobian is verified exactly on explicit matrices (with m = 1)."""
DIRECT_SIZES = (1, 2, 3)
"""n for which the direct path is verified exactly on explicit matrices (with m = 1)."""


@definition("gru.model", title="The GRU cell (PyTorch's nn.GRUCell)", cites=("cho2014",))
def model_definition(d):
    d.define(("reset-gate", R, DEFINITIONS[R]), ("update-gate", Z, DEFINITIONS[Z]), ("candidate", N, DEFINITIONS[N]),
             ("state", H, HIDDEN))


def show_model(d) -> None:
    """Show the model (gru.model) as the first steps of a derivation: the candidate and the new state."""
    d.step("PyTorch stacks the gate blocks of each parameter in the order $r, z, n$. The reset "
           "gate scales the recurrent part of the candidate's pre-activation.", N, DEFINITIONS[N])
    d.step("The new state mixes the candidate and the old state, entry by entry, by the update gate.",
           H, HIDDEN)


def cut(expr) -> Evaluated:
    """``expr`` evaluated where the recurrent weights of :data:`CUT` are zero."""
    return Evaluated(expr, 0, *CUT)


@derivation("gru.direct-path", title="The GRU direct path", uses=("gru.model",), cites=("cho2014",))
def direct_path_derivation(d):
    show_model(d)
    d.step("Cut every recurrent path into a gate or the candidate, $W_{hr} = W_{hz} = W_{hn} = 0$: then only "
           "the term $z_t \\odot h_{t-1}$ reads $h_{t-1}$, entry by entry. SymPy differentiates the explicit "
           "model for $n \\in \\{1, 2, 3\\}$ and then sets the three weights to zero, in $z_t$ as well.",
           cut(D_H_H), cut(DIRECT_PATH))
    d.result((cut(D_H_H), cut(DIRECT_PATH)), at=explicit_instances(DEFINITIONS, DIRECT_SIZES))


@derivation("gru.step-jacobian", title="Jacobian of one GRU step", uses=("gru.model",))
def step_jacobian_derivation(d):
    show_model(d)
    prove_slopes(d)
    d.step("Write $k'_t$ for the derivative of gate $k$ at its pre-activation: $z'_t = z_t \\odot "
           "(1 - z_t)$ for the logistic $\\sigma$, and $n'_t = 1 - n_t \\odot n_t$.", Z_P, hadamard(Z, one_minus(Z)))
    d.step("Product rule on $(1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$: the direct path, the update "
           "gate, and the candidate, which reads $h_{t-1}$ directly and through $r_t$.", D_H_H, STEP_JACOBIAN)
    d.result((D_H_H, STEP_JACOBIAN), at=explicit_instances(DEFINITIONS, SIZES))


# --- Numeric API: the proved closed form, lambdified with σ the logistic sigmoid. ---

_ARGUMENTS = [*W_I.values(), *W_H.values(), *B_I.values(), *B_H.values(), H_PREV, X_T]


@functools.cache
def _compiled(size: int):
    return compile_sigmoid(_ARGUMENTS, substitute(STEP_JACOBIAN, DEFINITIONS), size)


def _arguments(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, x_t) -> tuple[int, list[np.ndarray]]:
    """n and the checked arguments of a compiled closed form."""
    shapes = Shapes()
    args = stacked(shapes, len(GATES), weight_ih, weight_hh, bias_ih, bias_hh)
    args += [column(shapes, "h_prev", h_prev, "n"), column(shapes, "x_t", x_t, "m")]
    return shapes.dims["n"], args


def step_jacobian(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, x_t) -> np.ndarray:
    """∂h_t/∂h_{t-1} of ``nn.GRUCell`` (``gru.step-jacobian``), shape (n, n).

    weight_ih (3n, m), weight_hh (3n, n), bias_ih and bias_hh (3n,), h_prev (n,), x_t (m,).
    """
    size, args = _arguments(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, x_t)
    return evaluate(_compiled(size), args)


@functools.cache
def _compiled_step(size: int):
    return compile_sigmoid(_ARGUMENTS, substitute(HIDDEN, DEFINITIONS), size)


def step(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, x_t) -> np.ndarray:
    """h_t of ``nn.GRUCell``, shape (n,); arguments as for :func:`step_jacobian`."""
    size, args = _arguments(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, x_t)
    return evaluate(_compiled_step(size), args)[:, 0]
