"""A small, safe expression language for incentive rules, evaluated over whole columns at once.

Expressions are parsed with Python's ``ast`` module and interpreted here node by node — never
``eval``'d. Allowed: numbers, strings, True/False, names (input variables and ``param.<name>``),
arithmetic (+ − × ÷, //, %, **), comparisons (chains too), and/or/not, ``a if c else b``, and the
functions min, max, abs, floor, ceil, clip(x, lo, hi), coalesce(x, default), isin(x, [...]),
missing(x). Everything else (attributes other than ``param.x``, subscripts, lambdas, comprehensions,
calls of other functions) is refused with the offending text.

Values are numpy arrays of one length (the entities evaluated); a missing input is NaN, and a
comparison with NaN is false, so a rule never fires on data it does not have.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

import numpy as np

_FUNCTIONS = {"min", "max", "abs", "floor", "ceil", "clip", "coalesce", "isin", "missing"}
_BINOPS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
           ast.FloorDiv: np.floor_divide, ast.Mod: np.mod, ast.Pow: np.power}
_CMPOPS = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
           ast.Eq: np.equal, ast.NotEq: np.not_equal}


class ExpressionError(ValueError):
    pass


# Bounds that keep one expression's work small whatever a ruleset's author writes: no policy
# formula is longer, nests deeper, or raises to a larger constant power than these
MAX_EXPRESSION_CHARS = 1000
MAX_NODES = 400
MAX_EXPONENT = 64


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.Expression = field(repr=False)
    names: frozenset[str]
    params: frozenset[str]

    @classmethod
    def parse(cls, text) -> "Expression":
        text = str(text).strip()
        if len(text) > MAX_EXPRESSION_CHARS:
            raise ExpressionError(f"an expression of {len(text)} characters; at most "
                                  f"{MAX_EXPRESSION_CHARS}")
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as e:
            raise ExpressionError(f"cannot parse {text!r}: {e.msg}") from e
        except (RecursionError, MemoryError) as e:  # nesting deep enough to exhaust the parser
            raise ExpressionError(f"{text[:60]!r}…: nested too deeply") from e
        nodes = list(ast.walk(tree))
        if len(nodes) > MAX_NODES:
            raise ExpressionError(f"{text[:60]!r}…: {len(nodes)} terms; at most {MAX_NODES}")
        names, params = set(), set()
        for node in nodes:
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
                exp = node.right
                if isinstance(exp, ast.UnaryOp) and isinstance(exp.operand, ast.Constant):
                    exp = exp.operand
                if not isinstance(exp, ast.Constant) or not isinstance(exp.value, (int, float)) \
                        or isinstance(exp.value, bool) or abs(exp.value) > MAX_EXPONENT:
                    # 10**10**10 overflows to 0 in integers and to inf in floats: never a figure
                    raise ExpressionError(f"{text!r}: a power needs a constant exponent of at most "
                                          f"{MAX_EXPONENT}")
            if isinstance(node, ast.Attribute):
                if not (isinstance(node.value, ast.Name) and node.value.id == "param"):
                    raise ExpressionError(f"{text!r}: only param.<name> may use a dot")
                params.add(node.attr)
            elif isinstance(node, ast.Name):
                if node.id != "param":
                    names.add(node.id)
            elif isinstance(node, ast.Call):
                if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                    raise ExpressionError(f"{text!r}: unknown function; allowed: {sorted(_FUNCTIONS)}")
            elif not isinstance(node, (ast.Expression, ast.BinOp, ast.BoolOp, ast.UnaryOp,
                                       ast.Compare, ast.IfExp, ast.Constant, ast.Load, ast.And,
                                       ast.Or, ast.Not, ast.USub, ast.UAdd, ast.List, ast.Tuple,
                                       *_BINOPS, *_CMPOPS)):
                raise ExpressionError(f"{text!r}: {type(node).__name__} is not allowed")
        names -= _FUNCTIONS
        return cls(text, tree, frozenset(names), frozenset(params))

    def evaluate(self, variables: dict[str, np.ndarray], params: dict[str, float], n: int) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = _eval(self.tree.body, variables, params, n, self.text)
        return np.broadcast_to(np.asarray(out, dtype=float if not _is_bool(out) else bool), (n,)).copy()


def _is_bool(v) -> bool:
    return np.asarray(v).dtype == bool


def _as_float(v):
    a = np.asarray(v)
    # integers too: numpy's int64 arithmetic wraps around silently (10**30 → a wrong figure)
    return a.astype(float) if a.dtype.kind in "biu" else a


def _eval(node, var, par, n, text):
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (bool, int, float)):
            return node.value
        if isinstance(node.value, str):
            return node.value
        raise ExpressionError(f"{text!r}: constant {node.value!r} is not allowed")
    if isinstance(node, ast.Name):
        if node.id in ("True", "False"):
            return node.id == "True"
        if node.id not in var:
            raise ExpressionError(f"{text!r}: no input {node.id!r}")
        return var[node.id]
    if isinstance(node, ast.Attribute):
        if node.attr not in par:
            raise ExpressionError(f"{text!r}: no parameter {node.attr!r}")
        return par[node.attr]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, var, par, n, text) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, var, par, n, text)
        if isinstance(node.op, ast.Not):
            return ~np.asarray(_truth(v), dtype=bool)
        return -_as_float(v) if isinstance(node.op, ast.USub) else _as_float(v)
    if isinstance(node, ast.BinOp):
        a, b = _as_float(_eval(node.left, var, par, n, text)), _as_float(_eval(node.right, var, par, n, text))
        return _BINOPS[type(node.op)](a, b)
    if isinstance(node, ast.BoolOp):
        vals = [np.asarray(_truth(_eval(v, var, par, n, text)), dtype=bool) for v in node.values]
        out = vals[0]
        for v in vals[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out
    if isinstance(node, ast.Compare):
        left = _eval(node.left, var, par, n, text)
        out = np.ones(n, dtype=bool)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, var, par, n, text)
            if isinstance(left, str) or isinstance(right, str) or np.asarray(left).dtype == object \
                    or np.asarray(right).dtype == object:
                res = _CMPOPS[type(op)](np.asarray(left, dtype=object), np.asarray(right, dtype=object))
            else:
                res = _CMPOPS[type(op)](_as_float(left), _as_float(right))
            out = out & np.asarray(res, dtype=bool)
            left = right
        return out
    if isinstance(node, ast.IfExp):
        cond = np.asarray(_truth(_eval(node.test, var, par, n, text)), dtype=bool)
        return np.where(cond, _as_float(_eval(node.body, var, par, n, text)),
                        _as_float(_eval(node.orelse, var, par, n, text)))
    if isinstance(node, ast.Call):
        args = [_eval(a, var, par, n, text) for a in node.args]
        f = node.func.id
        if f == "min":
            return np.fmin.reduce([np.broadcast_to(_as_float(a), (n,)) for a in args])
        if f == "max":
            return np.fmax.reduce([np.broadcast_to(_as_float(a), (n,)) for a in args])
        if f == "abs":
            return np.abs(_as_float(args[0]))
        if f == "floor":
            return np.floor(_as_float(args[0]))
        if f == "ceil":
            return np.ceil(_as_float(args[0]))
        if f == "clip":
            return np.clip(_as_float(args[0]), args[1], args[2])
        if f == "coalesce":
            a = np.broadcast_to(_as_float(args[0]), (n,))
            return np.where(np.isnan(a), _as_float(args[1]), a)
        if f == "missing":
            a = np.asarray(args[0])
            return np.isnan(a.astype(float)) if a.dtype != object else np.array([x is None for x in a])
        if f == "isin":
            return np.isin(np.asarray(args[0], dtype=object), np.asarray(args[1], dtype=object))
    raise ExpressionError(f"{text!r}: cannot evaluate {type(node).__name__}")


def _truth(v):
    a = np.asarray(v)
    if a.dtype == bool:
        return a
    if a.dtype == object:
        return np.array([bool(x) and x == x for x in np.ravel(a)]).reshape(a.shape)
    return np.nan_to_num(a.astype(float), nan=0.0) != 0


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not (isinstance(x, float) and math.isnan(x))
