"""The line model's trees as C: LightGBM's text format parsed and written out as one nested if/else per tree.

Pure: text in, text out. native.py compiles the C and checks it against LightGBM before it is used; compiled.py
loads it. The C gives LightGBM's own doubles: its NumericalDecision (missing-value types, default sides, values
below kZeroThreshold read as 0, NaN), the trees summed from 0.0 in file order, the same sigmoid. Anything else
(categorical splits, linear trees, averaged output as in random forests, several classes, objectives other than
binary) raises UnsupportedModel, and LightGBM runs the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from detente.errors import DetenteError

_CATEGORICAL, _DEFAULT_LEFT = 1, 2  # LightGBM's decision_type bits; the missing type is bits 2-3
_MISSING_NONE, _MISSING_ZERO, _MISSING_NAN = 0, 1, 2
# LightGBM's kZeroThreshold (1e-35f, a float widened to double): smaller magnitudes are read as 0 from a dense row
ZERO_THRESHOLD = float(np.float32(1e-35))
MAX_DEPTH = 200  # C compilers limit how deeply blocks nest; LightGBM's trees of 31 leaves are at most 30 deep


class UnsupportedModel(DetenteError):
    """The model uses something the C generator does not write; LightGBM predicts it instead."""


@dataclass(frozen=True)
class Tree:
    """One LightGBM tree: node k sends a row left when x[split_feature[k]] <= threshold[k] (with LightGBM's
    missing-value rules); a child c < 0 is leaf ~c."""

    split_feature: tuple[int, ...]
    threshold: tuple[float, ...]
    decision_type: tuple[int, ...]
    left_child: tuple[int, ...]
    right_child: tuple[int, ...]
    leaf_value: tuple[float, ...]


@dataclass(frozen=True)
class StageTrees:
    trees: tuple[Tree, ...]
    width: int  # features per row
    sigmoid: float  # output = 1 / (1 + exp(-sigmoid * sum of the trees))


def _fields(block: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in block.splitlines() if "=" in line)


def _numbers(fields: dict[str, str], key: str, kind: type) -> tuple:
    try:
        values = tuple(kind(value) for value in fields[key].split())
    except (KeyError, ValueError):
        raise UnsupportedModel(f"tree field {key!r} is missing or not a list of numbers") from None
    if kind is float and not all(math.isfinite(value) for value in values):
        raise UnsupportedModel(f"tree field {key!r} holds a value that is not finite")
    return values


def parse_stage(model_text: str) -> StageTrees:
    """The trees of a LightGBM text model (binary objective, numerical splits), in LightGBM's order."""
    head, _, rest = model_text.partition("\nTree=")
    header = _fields(head)
    objective = header.get("objective", "").split()
    if "average_output" in head.splitlines():  # random forests: LightGBM divides the sum by the trees
        raise UnsupportedModel("the model averages its trees (average_output, as in boosting=rf)")
    if not objective or objective[0] != "binary" or header.get("num_tree_per_iteration") != "1":
        raise UnsupportedModel(f"objective {header.get('objective')!r} with {header.get('num_tree_per_iteration')} trees per iteration (only binary, one tree per iteration)")
    try:
        sigmoid = float(next((part.split(":", 1)[1] for part in objective[1:] if part.startswith("sigmoid:")), "1"))
        width = int(header.get("max_feature_idx", "-1")) + 1
    except ValueError:
        raise UnsupportedModel("the objective's sigmoid or max_feature_idx is not a number") from None
    trees = []
    for block in ("Tree=" + rest).split("\nTree=") if rest else []:
        block = block.split("\nend of trees", 1)[0]
        fields = _fields(block)
        if fields.get("num_cat", "0") != "0" or fields.get("is_linear", "0") != "0":
            raise UnsupportedModel("a tree has categorical splits or is linear")
        leaves = int(fields.get("num_leaves", "0"))
        leaf_value = _numbers(fields, "leaf_value", float)
        if leaves < 1 or len(leaf_value) != leaves:
            raise UnsupportedModel(f"a tree has {leaves} leaves and {len(leaf_value)} leaf values")
        if leaves == 1:
            trees.append(Tree((), (), (), (), (), leaf_value))
            continue
        tree = Tree(
            _numbers(fields, "split_feature", int), _numbers(fields, "threshold", float), _numbers(fields, "decision_type", int),
            _numbers(fields, "left_child", int), _numbers(fields, "right_child", int), leaf_value,
        )
        if any(len(column) != leaves - 1 for column in (tree.split_feature, tree.threshold, tree.decision_type, tree.left_child, tree.right_child)):
            raise UnsupportedModel("a tree's node lists differ in length")
        if any(kind & _CATEGORICAL for kind in tree.decision_type):
            raise UnsupportedModel("a tree has categorical splits")
        if not all(0 <= feature < width for feature in tree.split_feature):
            raise UnsupportedModel("a tree splits on a feature beyond max_feature_idx")
        trees.append(tree)
    if not trees:
        raise UnsupportedModel("the model has no trees")
    return StageTrees(tuple(trees), width, sigmoid)


def _condition(x: str, threshold: float, decision_type: int) -> str:
    """C for LightGBM's NumericalDecision (the row's tiny values already set to 0): true = go left."""
    missing, default_left = (decision_type >> 2) & 3, bool(decision_type & _DEFAULT_LEFT)
    t = repr(threshold)  # the shortest text that reads back as the same double
    if missing == _MISSING_NONE:  # NaN is read as 0.0, which goes left when 0.0 <= threshold
        return f"!({x} > {t})" if 0.0 <= threshold else f"{x} <= {t}"
    if missing == _MISSING_ZERO:  # NaN and zero take the default side
        return f"({x} == 0.0 || isnan({x}) || {x} <= {t})" if default_left else f"({x} != 0.0 && {x} <= {t})"
    if missing == _MISSING_NAN:
        return f"(isnan({x}) || {x} <= {t})" if default_left else f"{x} <= {t}"
    raise UnsupportedModel(f"unknown missing-value type {missing}")


def _tree_function(name: str, tree: Tree) -> str:
    """A C function returning the tree's leaf value for row x (nested if/else, written without recursion)."""
    if not tree.split_feature:
        return f"static double {name}(const double *x) {{ (void)x; return {tree.leaf_value[0]!r}; }}\n"
    out = [f"static double {name}(const double *x) {{"]
    work: list[tuple[int, int] | str] = [(0, 1)]  # (node, depth) to write, or a line of C to write as it is
    seen: set[int] = set()
    while work:
        item = work.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        node, depth = item
        pad = "  " * depth
        if node < 0:
            if ~node >= len(tree.leaf_value):
                raise UnsupportedModel(f"a tree names leaf {~node} of {len(tree.leaf_value)}")
            out.append(f"{pad}return {tree.leaf_value[~node]!r};")
            continue
        if node >= len(tree.split_feature) or node in seen or depth > MAX_DEPTH:
            raise UnsupportedModel(f"a tree's node {node} is out of range, reached twice or deeper than {MAX_DEPTH}")
        seen.add(node)
        out.append(f"{pad}if ({_condition(f'x[{tree.split_feature[node]}]', tree.threshold[node], tree.decision_type[node])}) {{")
        work += [f"{pad}}}", (tree.right_child[node], depth + 1), f"{pad}}} else {{", (tree.left_child[node], depth + 1)]
    out.append("}")
    return "\n".join(out) + "\n"


def c_source(stages: list[StageTrees], model_sha256: str, generator_sha256: str) -> str:
    """C for the stages (predicted by detente_predict(k, ...) for the k-th), naming the model file it came from
    and the generator that wrote it (compiled.py checks both before using the library)."""
    parts = [
        "/* Generated by detente.lines.codegen from a LightGBM text model. Do not edit. */",
        "#include <math.h>", "#include <stdlib.h>", "",
        f'const char detente_line_model_sha256[] = "{model_sha256}";',
        f'const char detente_generator_sha256[] = "{generator_sha256}";',
        f"const int detente_line_model_stages = {len(stages)};", "",
    ]
    predictors = []
    for k, stage in enumerate(stages):
        names = [f"s{k}_t{i}" for i in range(len(stage.trees))]
        parts += [_tree_function(name, tree) for name, tree in zip(names, stage.trees)]
        calls = "\n".join(f"  for (long i = 0; i < n; i++) out[i] += {name}(x + i * {stage.width});" for name in names)
        # One tree over all rows, then the next: a tree's code stays in the instruction cache for the page;
        # each row's sum still adds the trees in LightGBM's order.
        parts.append(f"""static int predict_s{k}(const double *rows, long n, double *out) {{
  double *x = malloc(sizeof(double) * (size_t)(n > 0 ? n * {stage.width} : 1));
  if (x == NULL) return 2;
  for (long i = 0; i < n * {stage.width}; i++) x[i] = fabs(rows[i]) > {ZERO_THRESHOLD!r} || isnan(rows[i]) ? rows[i] : 0.0;
  for (long i = 0; i < n; i++) out[i] = 0.0;
{calls}
  for (long i = 0; i < n; i++) out[i] = 1.0 / (1.0 + exp(-({stage.sigmoid!r}) * out[i]));
  free(x);
  return 0;
}}
""")
        predictors.append(f"  if (stage == {k}) return width == {stage.width} ? predict_s{k}(rows, n, out) : 1;")
    parts.append("int detente_predict(int stage, const double *rows, long n, long width, double *out) {\n" + "\n".join(predictors) + "\n  return 1;\n}\n")
    return "\n".join(parts)


