"""A small, safe expression language for incentive rules, evaluated over whole columns at once.

Expressions are parsed with Python's ``ast`` module and interpreted here node by node — never
``eval``'d. Allowed: numbers, strings, True/False, names (input variables and ``param.<name>``),
arithmetic (+ − × ÷, //, %, **), comparisons (chains too), and/or/not, ``a if c else b``, and the
functions min, max, abs, floor, ceil, clip(x, lo, hi), coalesce(x, default), isin(x, [...]),
missing(x). Everything else (attributes other than ``param.x``, subscripts, lambdas, comprehensions,
calls of other functions) is refused with the offending text.

Values are numpy arrays of one length (the entities evaluated); a missing input is NaN, and a
comparison with NaN is false, so a rule never fires on data it does not have.

Comparisons are exact. A policy's threshold is a decimal: "增幅达到10%以上（含10%）" means
33,000,000 ≥ 1.1 × 30,000,000, which binary floating point gets wrong (1.1 × 30e6 is
33,000,000.000000004). Every comparison is made on floats first. Where the two sides are
within a relative 1e-9 of each other, both sides are evaluated again for that entity in
rational arithmetic (``fractions.Fraction``). Inputs and parameters are read as the decimals
they were written as: the shortest decimal that gives the float back. This is the filtered
exact predicate of computational geometry (Shewchuk 1997): exact where it matters, at the
speed of numpy elsewhere. ``Expression.exact`` gives one entity's exact value; the engine
uses it for bracket bounds and whole steps too.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from fractions import Fraction

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

    def holds(self, variables: dict[str, np.ndarray], params: dict[str, float], n: int) -> np.ndarray:
        """The expression as a condition: true where it is true, false where false or missing
        (a bare input that is NaN does not hold, though NaN is truthy to numpy)."""
        with np.errstate(all="ignore"):
            out = _eval(self.tree.body, variables, params, n, self.text)
        return np.broadcast_to(np.asarray(_truth(out), dtype=bool), (n,)).copy()

    def exact(self, variables: dict[str, np.ndarray], params: dict[str, float], i: int):
        """The value for entity ``i`` in rational arithmetic: a Fraction, a bool or a string;
        None where it is missing (NaN, or a division by zero)."""
        return _exact(self.tree.body, variables, params, i, self.text)


def exact_number(v) -> Fraction | None:
    """A float as the decimal it was written as (the shortest that gives it back), exactly;
    None for NaN or infinity."""
    if v is None or isinstance(v, str):
        return None
    if isinstance(v, (bool, np.bool_)):
        return Fraction(int(v))
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    f = float(v)
    return Fraction(repr(f)) if math.isfinite(f) else None


NEAR = 1e-9  # relative distance under which a comparison is decided exactly


def near(a, b) -> np.ndarray:
    """Where two float arrays are too close for floating point to order them surely."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= NEAR * np.maximum(np.abs(a), np.abs(b)))


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
        left, left_node = _eval(node.left, var, par, n, text), node.left
        out = np.ones(n, dtype=bool)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, var, par, n, text)
            if isinstance(left, str) or isinstance(right, str) or np.asarray(left).dtype == object \
                    or np.asarray(right).dtype == object:
                res = _CMPOPS[type(op)](np.asarray(left, dtype=object), np.asarray(right, dtype=object))
            else:
                lf, rf = _as_float(left), _as_float(right)
                res = np.array(np.broadcast_to(_CMPOPS[type(op)](lf, rf), (n,)), dtype=bool)
                # two values read as they are (inputs, parameters, constants) compare exactly as
                # floats: only a computed side can differ from its exact value
                computed = not (_is_leaf(left_node) and _is_leaf(comp))
                close = np.flatnonzero(np.broadcast_to(near(lf, rf), (n,))) if computed else ()
                for i in close:  # too close for floats: decide in rationals
                    a, b = _exact(left_node, var, par, i, text), _exact(comp, var, par, i, text)
                    res[i] = _exact_compare(op, a, b)
            out = out & np.asarray(res, dtype=bool)
            left, left_node = right, comp
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


_EXACT_CMP = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
              ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}


def _is_leaf(node) -> bool:
    return isinstance(node, (ast.Constant, ast.Name, ast.Attribute)) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant))


def is_leaf(expr: "Expression") -> bool:
    """Whether an expression is a value read as it is (an input, a parameter, a constant)."""
    return _is_leaf(expr.tree.body)


def _exact_compare(op, a, b) -> bool:
    if a is None or b is None:  # as NaN: a comparison with a missing value is false
        return False
    if isinstance(a, str) or isinstance(b, str):
        return bool(_EXACT_CMP[type(op)](a, b)) if type(op) in (ast.Eq, ast.NotEq) else False
    return bool(_EXACT_CMP[type(op)](Fraction(a), Fraction(b)))


def _exact(node, var, par, i, text):
    """One entity's value of ``node`` in rational arithmetic (see the module text)."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return node.value
        if isinstance(node.value, str):
            return node.value
        return exact_number(node.value)
    if isinstance(node, ast.Name):
        if node.id in ("True", "False"):
            return node.id == "True"
        v = np.asarray(var[node.id])
        x = v[i] if v.ndim else v[()]
        if v.dtype == bool:
            return bool(x)
        if v.dtype == object:
            return x if isinstance(x, str) else exact_number(x) if x is not None else None
        return exact_number(x)
    if isinstance(node, ast.Attribute):
        v = par[node.attr]
        return v if isinstance(v, str) else exact_number(v)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_exact(e, var, par, i, text) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        v = _exact(node.operand, var, par, i, text)
        if isinstance(node.op, ast.Not):
            return not _exact_truth(v)
        v = _num_or_none(v)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BinOp):
        a = _num_or_none(_exact(node.left, var, par, i, text))
        b = _num_or_none(_exact(node.right, var, par, i, text))
        if a is None or b is None:
            return None
        op = type(node.op)
        if op is ast.Add:
            return a + b
        if op is ast.Sub:
            return a - b
        if op is ast.Mult:
            return a * b
        if b == 0 and op in (ast.Div, ast.FloorDiv, ast.Mod):
            return None
        if op is ast.Div:
            return a / b
        if op is ast.FloorDiv:
            return Fraction(a // b)
        if op is ast.Mod:
            return a - b * (a // b)
        if b.denominator == 1:  # a whole exponent (the parser bounds it) stays rational
            return None if (a == 0 and b < 0) else a ** int(b)
        return exact_number(float(a) ** float(b))
    if isinstance(node, ast.BoolOp):
        vals = [_exact_truth(_exact(v, var, par, i, text)) for v in node.values]
        return all(vals) if isinstance(node.op, ast.And) else any(vals)
    if isinstance(node, ast.Compare):
        left = _exact(node.left, var, par, i, text)
        for op, comp in zip(node.ops, node.comparators):
            right = _exact(comp, var, par, i, text)
            if not _exact_compare(op, left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        branch = node.body if _exact_truth(_exact(node.test, var, par, i, text)) else node.orelse
        return _num_or_none(_exact(branch, var, par, i, text))
    if isinstance(node, ast.Call):
        f = node.func.id
        args = [_exact(a, var, par, i, text) for a in node.args]
        nums = [_num_or_none(a) for a in args] if f not in ("isin", "missing") else []
        if f in ("min", "max"):  # as numpy's fmin/fmax: a missing value is passed over
            present = [a for a in nums if a is not None]
            return (min if f == "min" else max)(present) if present else None
        if f in ("abs", "floor", "ceil"):
            a = nums[0]
            if a is None:
                return None
            return abs(a) if f == "abs" else Fraction(math.floor(a) if f == "floor" else math.ceil(a))
        if f == "clip":
            a, lo, hi = nums
            return None if a is None else min(max(a, lo), hi)
        if f == "coalesce":
            return nums[0] if nums[0] is not None else nums[1]
        if f == "missing":
            return args[0] is None
        if f == "isin":
            return args[0] in args[1]
    raise ExpressionError(f"{text!r}: cannot evaluate {type(node).__name__}")


def _num_or_none(v):
    if v is None or isinstance(v, str):
        return None
    if isinstance(v, bool):
        return Fraction(int(v))
    return Fraction(v)


def _exact_truth(v) -> bool:
    if v is None:
        return False
    if isinstance(v, str):
        return bool(v)
    return bool(v)


def _truth(v):
    a = np.asarray(v)
    if a.dtype == bool:
        return a
    if a.dtype == object:
        return np.array([bool(x) and x == x for x in np.ravel(a)]).reshape(a.shape)
    return np.nan_to_num(a.astype(float), nan=0.0) != 0


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not (isinstance(x, float) and math.isnan(x))
