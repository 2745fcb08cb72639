"""The LSTM with a forget gate, in PyTorch's ``nn.LSTMCell`` conventions: the cell path and the
Jacobian of one step.

Model (gates stacked in the order i, f, g, o in weight_ih, weight_hh, bias_ih, bias_hh)::

    a_k = W_ik x_t + b_ik + W_hk h_{t-1} + b_hk           for k in i, f, g, o
    i_t, f_t, o_t = σ(a_i), σ(a_f), σ(a_o),   g_t = tanh(a_g)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,          h_t = o_t ⊙ tanh(c_t)

σ is left generic in the proofs; the numeric API takes it to be the logistic sigmoid, whose
derivative is σ(1 − σ) (``activation.sigmoid-derivative``), so that f'_t = f_t ⊙ (1 − f_t).
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from .gated import (H_PREV, TANH, TANH_PRIME, TANH_SQUARED, X_T, Evaluated, at_t, blocks, column, compile_sigmoid,
                    evaluate, explicit_instances, hadamard, jacobian_symbol, n, one_minus, plus, prove_slopes,
                    stacked)
from .instances import Instance, substitute
from .notation import Partial, elementwise, sigma
from .numeric import Shapes
from .registry import definition, derivation
from .rnn import SIGMA_PRIME

GATES = "ifgo"
W_I, W_H, B_I, B_H = blocks(GATES)
C_PREV = sp.MatrixSymbol("c_{t-1}", n, 1)
PRE = {k: plus(W_I[k] * X_T, B_I[k], W_H[k] * H_PREV, B_H[k]) for k in GATES}
"""The pre-activation a_k of each gate, in PyTorch's order of terms."""

I, F, G, O, C, H = (at_t(name) for name in "ifgoch")
I_P, F_P, G_P, O_P = (at_t(f"{name}'") for name in "ifgo")
TANH_C = elementwise(TANH, C)
CELL = hadamard(F, C_PREV) + hadamard(I, G)
HIDDEN = hadamard(O, TANH_C)
DEFINITIONS = {
    H: HIDDEN, C: CELL,
    I: elementwise(sigma, PRE["i"]), F: elementwise(sigma, PRE["f"]),
    G: elementwise(TANH, PRE["g"]), O: elementwise(sigma, PRE["o"]),
    I_P: elementwise(SIGMA_PRIME, PRE["i"]), F_P: elementwise(SIGMA_PRIME, PRE["f"]),
    G_P: elementwise(TANH_PRIME, PRE["g"]), O_P: elementwise(SIGMA_PRIME, PRE["o"]),
}
"""Each symbol the closed forms show, defined in terms of the parameters, h_{t-1}, c_{t-1} and x_t."""

JACOBIANS = tuple((a, b) for a in (C, H) for b in (C_PREV, H_PREV))
"""The (num, den) of each block of the step Jacobian."""
D_C_C, D_C_H, D_H_C, D_H_H = (jacobian_symbol(a, b) for a, b in JACOBIANS)
TANH_C_PRIME = one_minus(elementwise(TANH_SQUARED, C))
CELL_PATH = DiagMatrix(F)
"""∂c_t/∂c_{t-1} = diag(f_t), proved by ``lstm.cell-path``."""
OPEN_GATE = Evaluated(Partial(C, C_PREV), 1, F)
"""∂c_t/∂c_{t-1} with the forget gate open, f_t = 1: the identity, proved by ``lstm.cell-path``."""
BLOCKS = {
    D_C_C: CELL_PATH,
    D_C_H: DiagMatrix(hadamard(C_PREV, F_P)) * W_H["f"] + DiagMatrix(hadamard(G, I_P)) * W_H["i"]
    + DiagMatrix(hadamard(I, G_P)) * W_H["g"],
    D_H_C: DiagMatrix(hadamard(O, TANH_C_PRIME, F)),
    D_H_H: DiagMatrix(hadamard(TANH_C, O_P)) * W_H["o"] + DiagMatrix(hadamard(O, TANH_C_PRIME)) * D_C_H,
}
"""The closed form of each block: the cell through f_t, i_t and g_t; the hidden state through
o_t and through c_t."""
STEP_JACOBIAN = sp.BlockMatrix([[D_H_H, D_H_C], [D_C_H, D_C_C]])
"""∂(h_t, c_t)/∂(h_{t-1}, c_{t-1}) with the blocks of ``BLOCKS``, proved by ``lstm.step-jacobian``."""
STATE, STATE_PREV = sp.BlockMatrix([[H], [C]]), sp.BlockMatrix([[H_PREV], [C_PREV]])

SIZES = (1, 2)
"""n for which the identities are verified exactly on explicit matrices (with m = 1)."""


@definition("lstm.model", title="The LSTM cell (PyTorch's nn.LSTMCell)", cites=("hochreiter1997", "gers2000"))
def model_definition(d):
    d.define(("input-gate", I, DEFINITIONS[I]), ("forget-gate", F, DEFINITIONS[F]), ("candidate", G, DEFINITIONS[G]),
             ("output-gate", O, DEFINITIONS[O]), ("cell", C, CELL), ("state", H, HIDDEN))


def show_model(d) -> None:
    """Show the model (lstm.model) as the first steps of a derivation: the stacked gates, the cell and the state."""
    d.step("PyTorch stacks the four gate blocks of each parameter in the order $i, f, g, o$; "
           "gate $f$ reads the $f$ rows of weight_ih and weight_hh.", sp.Symbol("a_{f}"), PRE["f"])
    d.step("The gates: $i_t, f_t, o_t$ apply $\\sigma$ entry by entry to their pre-activations, "
           "$g_t$ applies $\\tanh$.", F, DEFINITIONS[F])
    d.step("The cell keeps a gated share of the old cell and adds the gated candidate.", C, CELL)
    d.step("The output gate exposes part of the squashed cell.", H, HIDDEN)


def model_instances() -> tuple[Instance, ...]:
    """The model with each gate and state its definition and each block symbol the derivative it names:
    explicitly for each of :data:`SIZES`."""
    return explicit_instances(DEFINITIONS, SIZES, JACOBIANS)


@derivation("lstm.cell-path", title="The LSTM cell path: the constant error carousel", uses=("lstm.model",), cites=("hochreiter1997", "gers2000"))
def cell_path_derivation(d):
    show_model(d)
    d.step("The gates read $h_{t-1}$ and $x_t$ but not $c_{t-1}$, so only the first term of $c_t$ "
           "depends on $c_{t-1}$, entry by entry. SymPy differentiates the explicit cell for "
           "$n \\in \\{1, 2\\}$.", Partial(C, C_PREV), CELL_PATH)
    d.step("With the forget gate open, $f_t = 1$, the error flows back through the cell unchanged: "
           "the constant error carousel.", OPEN_GATE, sp.Identity(n))
    general = Instance("general n", "symbolic", subs=DEFINITIONS)
    d.result((Partial(C, C_PREV), CELL_PATH), (OPEN_GATE, sp.Identity(n)), at=(general, *model_instances()))


ORIGINAL_CELL = C_PREV + hadamard(I, G)
"""The cell of Hochreiter and Schmidhuber's LSTM (1997), which has no forget gate: c_t = c_{t-1} + i_t ⊙ g_t."""


@derivation("lstm.original-cell-path", title="The original LSTM (no forget gate): the carousel always turns",
            uses=("lstm.model", "lstm.cell-path"), cites=("hochreiter1997", "gers2000"))
def original_cell_path_derivation(d):
    d.step("Hochreiter and Schmidhuber's memory cell has no forget gate: the old cell is kept whole, "
           "and the input gate admits the candidate. Its gates are those of lstm.model without $f_t$.", C, ORIGINAL_CELL)
    d.step("The gates read $h_{t-1}$ and $x_t$ but not $c_{t-1}$, so of the cell's two terms only $c_{t-1}$ "
           "itself depends on $c_{t-1}$. SymPy differentiates the explicit cell for $n \\in \\{1, 2\\}$.",
           Partial(C, C_PREV), sp.Identity(n))
    d.step("Their learning rule cuts the error paths through the gates and $h_{t-1}$, so over any span "
           "the error that reaches $c_t$ from $c_{t+k}$ is multiplied by this identity $k$ times: it neither "
           "vanishes nor explodes. The forget-gate cell of lstm.cell-path gives $\\operatorname{diag}(f_t)$ "
           "instead, which is the identity only when $f_t = 1$.", Partial(C, C_PREV), sp.Identity(n))
    definitions = DEFINITIONS | {C: ORIGINAL_CELL}
    general = Instance("general n", "symbolic", subs=definitions)
    d.result((Partial(C, C_PREV), sp.Identity(n)),
             at=(general, *explicit_instances(definitions, SIZES, ((C, C_PREV),))))


@derivation("lstm.step-jacobian", title="Jacobian of one LSTM step", uses=("lstm.model", "lstm.cell-path"))
def step_jacobian_derivation(d):
    show_model(d)
    prove_slopes(d)
    d.step("Write $k'_t$ for the derivative of gate $k$ at its pre-activation: "
           "$f'_t = \\sigma'(a_f) = f_t \\odot (1 - f_t)$ for the logistic $\\sigma$, "
           "and $g'_t = 1 - g_t \\odot g_t$.", F_P, hadamard(F, one_minus(F)))
    d.step("The cell depends on $h_{t-1}$ through $f_t$, $i_t$ and $g_t$ (product rule on each term).",
           D_C_H, BLOCKS[D_C_H])
    d.step("The hidden state depends on $c_{t-1}$ only through $c_t$, and $\\tanh' = 1 - \\tanh^2$.",
           D_H_C, DiagMatrix(hadamard(O, TANH_C_PRIME)) * D_C_C)
    d.step("It depends on $h_{t-1}$ through $o_t$ and through $c_t$.", D_H_H, BLOCKS[D_H_H])
    d.result((Partial(STATE, STATE_PREV), STEP_JACOBIAN), *((block, BLOCKS[block]) for block in (D_H_H, D_H_C, D_C_H)),
             at=model_instances())


# --- Numeric API: the proved closed form, lambdified with σ the logistic sigmoid. ---

_ARGUMENTS = [*W_I.values(), *W_H.values(), *B_I.values(), *B_H.values(), H_PREV, C_PREV, X_T]


@functools.cache
def _compiled(size: int):
    return compile_sigmoid(_ARGUMENTS, substitute(STEP_JACOBIAN, BLOCKS | DEFINITIONS), size)


def _arguments(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, c_prev, x_t) -> tuple[int, list[np.ndarray]]:
    """n and the checked arguments of a compiled closed form."""
    shapes = Shapes()
    args = stacked(shapes, len(GATES), weight_ih, weight_hh, bias_ih, bias_hh)
    args += [column(shapes, "h_prev", h_prev, "n"), column(shapes, "c_prev", c_prev, "n"),
             column(shapes, "x_t", x_t, "m")]
    return shapes.dims["n"], args


def step_jacobian(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, c_prev, x_t) -> np.ndarray:
    """∂(h_t, c_t)/∂(h_{t-1}, c_{t-1}) of ``nn.LSTMCell`` (``lstm.step-jacobian``), shape (2n, 2n).

    weight_ih (4n, m), weight_hh (4n, n), bias_ih and bias_hh (4n,), h_prev and c_prev (n,), x_t (m,).
    """
    size, args = _arguments(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, c_prev, x_t)
    return evaluate(_compiled(size), args)


@functools.cache
def _compiled_step(size: int):
    return compile_sigmoid(_ARGUMENTS, substitute(STATE, DEFINITIONS), size)


def step(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, c_prev, x_t) -> tuple[np.ndarray, np.ndarray]:
    """(h_t, c_t) of ``nn.LSTMCell``, each shape (n,); arguments as for :func:`step_jacobian`."""
    size, args = _arguments(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, c_prev, x_t)
    state = evaluate(_compiled_step(size), args)[:, 0]
    return state[:size], state[size:]
