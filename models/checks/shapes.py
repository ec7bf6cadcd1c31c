"""Shape, parameter and multiply-accumulate rules per layer type, in plain Python (microseconds, no Keras).

Each rule takes the effective parameters and the input shapes (without the batch axis; None for an
unknown size) and returns a `LayerShape`, or raises `ShapeProblem` with a message that names the values
and, where one exists, a Fix. The formulas follow Keras 3 exactly; tests compare them with built models.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models.checks.problems import Fix, ShapeProblem

Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class LayerShape:
    output: Shape
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0


def fmt(shape: Shape) -> str:
    """(8, 8, 32) as a person writes it; a single axis without the trailing comma."""
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


def keras_shape(shape: Shape | None) -> str:
    """The shape with Keras's batch axis, as Keras prints it: (None, 26, 26, 32); '?' when unknown."""
    if shape is None:
        return "?"
    return "(None, " + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _tup(value: Any, n: int) -> tuple[int, ...]:
    return (value,) * n if isinstance(value, int) else tuple(value)


def _x(values: tuple[int | None, ...]) -> str:
    return "x".join("?" if v is None else str(v) for v in values)


def _prod(values) -> int:
    return math.prod(v for v in values if v is not None)


def _channels(shape: Shape, what: str) -> int:
    if shape[-1] is None:
        raise ShapeProblem(f"needs a known number of {what} in its input, got {fmt(shape)}")
    return shape[-1]


# ----- convolution ----------------------------------------------------------------------------------
def _window_out(size: int | None, window: int, stride: int, padding: str) -> int | None:
    if size is None:
        return None
    if padding == "valid":
        return (size - window) // stride + 1
    return (size + stride - 1) // stride  # same, causal


def _check_window(spatial: Shape, windows: tuple[int, ...], strides: tuple[int, ...], padding: str,
                  param: str, dilation: tuple[int, ...] | None = None, strides_follow: bool = False) -> None:
    """`param` is the window's own parameter (kernel_size, pool_size): the problem is told there, and its Fixes
    are every repair that applies: padding='same' (the output keeps its size), or the largest window that fits."""
    dilation = dilation or (1,) * len(windows)
    effective = tuple(d * (w - 1) + 1 for w, d in zip(windows, dilation, strict=True))
    if padding == "valid" and any(s is not None and s < e for s, e in zip(spatial, effective, strict=True)):
        fitting = tuple(w if s is None else max(1, min(w, (s - 1) // d + 1))
                        for s, w, d in zip(spatial, windows, dilation, strict=True))
        value = fitting[0] if len(fitting) == 1 else list(fitting)
        shown = _x(effective) + (" (dilated)" if effective != windows else "")
        same = Fix("Use padding='same'", "set_param", {"param": "padding", "value": "same"})
        smaller = Fix(f"Use {param} {_x(fitting)}", "set_param", {"param": param, "value": value})
        # strides that follow the window (pooling's default) stay too large with padding='same': the smaller
        # window is then the repair that works alone, so it comes first
        first, second = (smaller, same) if strides_follow else (same, smaller)
        raise ShapeProblem(
            f"{param} {shown} is larger than its {_x(spatial)} input: use padding='same' or a smaller {param}",
            field=param, fix=first, alternatives=(second,))


def _conv(p: dict, shape: Shape, rank: int, kind: str) -> LayerShape:
    spatial, cin = shape[:-1], _channels(shape, "channels")
    kernel = _tup(p["kernel_size"], rank)
    strides = _tup(p["strides"], rank)
    dilation = _tup(p["dilation_rate"], rank)
    if any(s > 1 for s in strides) and any(d > 1 for d in dilation):
        raise ShapeProblem("strides above 1 cannot be combined with dilation_rate above 1 in Keras: "
                           "set one of them to 1", field="dilation_rate",
                           fix=Fix("Use dilation_rate 1", "set_param",
                                   {"param": "dilation_rate", "value": 1 if rank == 1 else [1] * rank}))
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    bias = 1 if p["use_bias"] else 0
    area = math.prod(kernel)
    if kind == "transpose":
        padding = p["padding"]
        out = tuple(None if s is None else (s * st + max(e - st, 0) if padding == "valid" else s * st)
                    for s, st, e in zip(spatial, strides, effective, strict=True))
        f = p["filters"]
        return LayerShape((*out, f), area * f * cin + bias * f, macs=_prod(spatial) * area * cin * f)
    _check_window(spatial, kernel, strides, p["padding"], "kernel_size", dilation)
    out = tuple(_window_out(s, e, st, p["padding"]) for s, e, st in zip(spatial, effective, strides, strict=True))
    positions = _prod(out)
    if kind == "depthwise":
        dm = p["depth_multiplier"]
        return LayerShape((*out, cin * dm), area * cin * dm + bias * cin * dm, macs=positions * area * cin * dm)
    f = p["filters"]
    groups = p.get("groups", 1)
    if groups > 1 and (cin % groups or f % groups):
        raise ShapeProblem(f"groups {groups} must divide both its {cin} input channels and its {f} filters",
                           field="groups", fix=Fix("Use groups 1", "set_param", {"param": "groups", "value": 1}))
    if kind == "separable":
        dm = p["depth_multiplier"]
        weights = area * cin * dm + cin * dm * f + bias * f
        return LayerShape((*out, f), weights, macs=positions * (area * cin * dm + cin * dm * f))
    per_group = cin // groups
    return LayerShape((*out, f), area * per_group * f + bias * f, macs=positions * area * per_group * f)


def _pool(p: dict, shape: Shape, rank: int) -> LayerShape:
    spatial = shape[:-1]
    pool = _tup(p["pool_size"], rank)
    strides = _tup(p["strides"], rank) if p["strides"] is not None else pool
    _check_window(spatial, pool, strides, p["padding"], "pool_size", strides_follow=p["strides"] is None)
    out = tuple(_window_out(s, w, st, p["padding"]) for s, w, st in zip(spatial, pool, strides, strict=True))
    return LayerShape((*out, shape[-1]))


def _global_pool(p: dict, shape: Shape) -> LayerShape:
    return LayerShape((*([1] * (len(shape) - 1)), shape[-1]) if p["keepdims"] else (shape[-1],))


# ----- core -------------------------------------------------------------------------------------------
def _dense(p: dict, shape: Shape) -> LayerShape:
    n_in, units = _channels(shape, "features"), p["units"]
    bias = units if p["use_bias"] else 0
    return LayerShape((*shape[:-1], units), n_in * units + bias, macs=_prod(shape[:-1]) * n_in * units)


def _embedding(p: dict, shape: Shape) -> LayerShape:
    return LayerShape((*shape, p["output_dim"]), p["input_dim"] * p["output_dim"])


def _same(_p: dict, shape: Shape) -> LayerShape:
    return LayerShape(shape)


def _batch_norm(p: dict, shape: Shape) -> LayerShape:
    c = _channels(shape, "channels")
    return LayerShape(shape, c * (int(p["center"]) + int(p["scale"])), 2 * c)


def _normalization(p: dict, shape: Shape) -> LayerShape:
    """Keras's Normalization: a mean and variance per position of its axes (counted with the batch axis as 0),
    held as 2 x features + 1 (the sample count) non-trainable weights unless they are given as constants."""
    rank = len(shape) + 1
    axes = []
    for axis in p["axis"]:
        if not -rank < axis < rank or axis == 0 or axis == -rank:
            raise ShapeProblem(f"axis {axis} is not a feature axis of its {fmt(shape)} input (1 to {rank - 1}, or "
                               "-1 for the last)", field="axis", fix=Fix("Use the last axis", "set_param",
                                                                          {"param": "axis", "value": [-1]}))
        axes.append(axis % rank - 1)
    if any(shape[a] is None for a in axes):
        raise ShapeProblem(f"needs a known size along axis {p['axis']} of its input, got {fmt(shape)}", field="axis")
    features = math.prod(shape[a] for a in axes)
    if (p["mean"] is None) != (p["variance"] is None):
        missing = "variance" if p["variance"] is None else "mean"
        raise ShapeProblem(f"has a mean or a variance but not both: set its {missing} too, or Adapt it to the data",
                           field=missing)
    mean, variance = p["mean"], p["variance"]
    if mean is not None and (isinstance(mean, list) != isinstance(variance, list)
                             or (isinstance(mean, list) and len(mean) != len(variance))):
        raise ShapeProblem("its mean and variance must have the same form, as Keras requires: both single numbers, "
                           "or both one value per feature", field="variance")
    for name in ("mean", "variance"):
        value = p[name]
        if isinstance(value, list) and len(value) not in (1, features):
            raise ShapeProblem(f"its {name} has {len(value)} values but its input has {features} features along "
                               f"axis {p['axis']}: give one per feature, or Adapt it to the data", field=name)
    return LayerShape(shape, 0, 0 if p["mean"] is not None else 2 * features + 1)


def _layer_scale(p: dict, shape: Shape) -> LayerShape:
    c = _channels(shape, "channels")
    if p["projection_dim"] != c:
        raise ShapeProblem(f"projection_dim is {p['projection_dim']} but its input has {c} channels",
                           field="projection_dim", fix=Fix(f"Set projection_dim to {c}", "set_param",
                                                           {"param": "projection_dim", "value": c}))
    return LayerShape(shape, c)


def _layer_norm(p: dict, shape: Shape) -> LayerShape:
    c = _channels(shape, "features")
    return LayerShape(shape, c * (int(p["center"]) + int(p["scale"])))


# ----- reshaping --------------------------------------------------------------------------------------
def _flatten(_p: dict, shape: Shape) -> LayerShape:
    if None in shape:
        raise ShapeProblem(f"cannot flatten {fmt(shape)}: a size is unknown; use a global pooling layer")
    return LayerShape((math.prod(shape),))


def _reshape(p: dict, shape: Shape) -> LayerShape:
    target = tuple(p["target_shape"])
    if sum(1 for d in target if d == -1) > 1:
        raise ShapeProblem(f"target_shape {list(target)} may contain -1 only once", field="target_shape")
    if any(d is not None and d < 1 and d != -1 for d in target):
        raise ShapeProblem(f"target_shape {list(target)} must hold positive sizes (and one -1 at most)",
                           field="target_shape")
    if None in shape:
        return LayerShape(tuple(None if d == -1 else d for d in target))
    total, known = math.prod(shape), math.prod(d for d in target if d != -1)
    if -1 in target:
        if total % known:
            raise ShapeProblem(f"cannot reshape {fmt(shape)} ({total} values) into {list(target)}: "
                               f"{total} is not a multiple of {known}", field="target_shape")
        return LayerShape(tuple(total // known if d == -1 else d for d in target))
    if known != total:
        raise ShapeProblem(f"cannot reshape {fmt(shape)} ({total} values) into {fmt(target)} ({known} "
                           "values): the counts must match; use -1 for one size to infer it",
                           field="target_shape")
    return LayerShape(target)


def _permute(p: dict, shape: Shape) -> LayerShape:
    dims = list(p["dims"])
    if sorted(dims) != list(range(1, len(shape) + 1)):
        raise ShapeProblem(f"dims {dims} must order the axes 1..{len(shape)} of its {fmt(shape)} input, "
                           "each once", field="dims")
    return LayerShape(tuple(shape[d - 1] for d in dims))


def _pairs(value: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    if isinstance(value, int):
        return (value, value), (value, value)
    a, b = value
    if isinstance(a, int):
        return (a, a), (b, b)
    return tuple(a), tuple(b)


def _zero_padding(p: dict, shape: Shape) -> LayerShape:
    (t, b), (left, r) = _pairs(p["padding"])
    h, w, c = shape
    return LayerShape((None if h is None else h + t + b, None if w is None else w + left + r, c))


def _cropping(p: dict, shape: Shape) -> LayerShape:
    (t, b), (left, r) = _pairs(p["cropping"])
    h, w, c = shape
    out_h = None if h is None else h - t - b
    out_w = None if w is None else w - left - r
    if (out_h is not None and out_h < 1) or (out_w is not None and out_w < 1):
        raise ShapeProblem(f"cropping {p['cropping']} removes all of its {_x((h, w))} input: crop less",
                           field="cropping")
    return LayerShape((out_h, out_w, c))


def _upsampling(p: dict, shape: Shape) -> LayerShape:
    sh, sw = _tup(p["size"], 2)
    h, w, c = shape
    return LayerShape((None if h is None else h * sh, None if w is None else w * sw, c))


def _resizing(p: dict, shape: Shape) -> LayerShape:
    return LayerShape((p["height"], p["width"], shape[-1]))


# ----- merge -----------------------------------------------------------------------------------------
def _adapter_fix(shapes: list[Shape], sources: list[str]) -> Fix | None:
    """For inputs that differ only in the last axis: a 1x1 Conv2D or Dense to match the widest."""
    if len({s[:-1] for s in shapes}) != 1 or len({len(s) for s in shapes}) != 1:
        return None
    target = max(s[-1] or 0 for s in shapes)
    narrow = next(i for i, s in enumerate(shapes) if s[-1] != target)
    if len(shapes[0]) == 3:
        return Fix(f"Insert a 1x1 Conv2D with {target} filters after '{sources[narrow]}'", "insert_between",
                   {"source": sources[narrow], "type": "Conv2D",
                    "params": {"filters": target, "kernel_size": 1, "padding": "same"}})
    return Fix(f"Insert a Dense with {target} units after '{sources[narrow]}'", "insert_between",
               {"source": sources[narrow], "type": "Dense", "params": {"units": target}})


def broadcast(shapes: tuple[Shape, ...]) -> Shape | None:
    """Keras's element-wise merge shape: aligned from the last axis, each axis equal or 1 (which stretches);
    None when two sizes differ and neither is 1."""
    result: list[int | None] = list(shapes[0])
    for shape in shapes[1:]:
        longer, shorter = (result, list(shape)) if len(result) >= len(shape) else (list(shape), result)
        tail = []
        for a, b in zip(longer[len(longer) - len(shorter):], shorter, strict=True):
            if a is None or b is None:
                tail.append(None)
            elif a == 1 or b == 1 or a == b:
                tail.append(b if a == 1 else a)
            else:
                return None
        result = longer[:len(longer) - len(shorter)] + tail
    return tuple(result)


def _elementwise(type_name: str) -> Callable[..., LayerShape]:
    def rule(_p: dict, *shapes: Shape, sources: list[str]) -> LayerShape:
        output = broadcast(shapes)
        if output is None:
            listed = " and ".join(fmt(s) for s in shapes)
            fix = _adapter_fix(list(shapes), sources)
            hint = f": {fix.label[0].lower()}{fix.label[1:]}" if fix else ": make their shapes equal"
            raise ShapeProblem(f"{type_name} needs inputs of equal shape (or of size 1 where they differ, which "
                               f"stretches), got {listed}{hint}", fix=fix)
        return LayerShape(output)

    rule.takes_sources = True
    return rule


def _concatenate(p: dict, *shapes: Shape, sources: list[str]) -> LayerShape:
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise ShapeProblem("Concatenate needs inputs of the same rank, got " + " and ".join(map(fmt, shapes)))
    axis = p["axis"]
    if axis == 0 or not -rank <= axis <= rank:
        raise ShapeProblem(f"axis {axis} is outside its inputs' axes 1..{rank} (0 is the batch)", field="axis")
    axis = axis - 1 if axis > 0 else axis + rank  # index into the shape without the batch axis
    others = {tuple(d for i, d in enumerate(s) if i != axis) for s in shapes}
    if len(others) > 1:
        raise ShapeProblem("Concatenate needs inputs equal on every axis but the joined one, got "
                           + " and ".join(map(fmt, shapes)))
    joined = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
    return LayerShape(tuple(joined if i == axis else d for i, d in enumerate(shapes[0])))


_concatenate.takes_sources = True


# ----- attention ----------------------------------------------------------------------------------
def _multi_head_attention(p: dict, *shapes: Shape) -> LayerShape:
    query = shapes[0]
    value = shapes[1] if len(shapes) > 1 else query
    key = shapes[2] if len(shapes) > 2 else value
    if not len(query) == len(value) == len(key):
        raise ShapeProblem(f"query {fmt(query)}, value {fmt(value)} and key {fmt(key)} need the same rank")
    if key[:-1] != value[:-1]:
        raise ShapeProblem(f"key {fmt(key)} and value {fmt(value)} need the same length")
    qd, vd, kd = (_channels(s, "features") for s in (query, value, key))
    heads, kdim = p["num_heads"], p["key_dim"]
    vdim = p["value_dim"] or kdim
    out = p["output_shape"] or qd
    b = 1 if p["use_bias"] else 0
    weights = (qd * heads * kdim + b * heads * kdim) + (kd * heads * kdim + b * heads * kdim) + \
        (vd * heads * vdim + b * heads * vdim) + (heads * vdim * out + b * out)
    tq, tk = _prod(query[:-1]), _prod(key[:-1])
    macs = tq * qd * heads * kdim + tk * (kd * heads * kdim + vd * heads * vdim) + \
        tq * tk * heads * (kdim + vdim) + tq * heads * vdim * out
    return LayerShape((*query[:-1], out), weights, macs=macs)


def _attention(p: dict, *shapes: Shape) -> LayerShape:
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) > 2 else value
    if key[:-1] != value[:-1]:
        raise ShapeProblem(f"key {fmt(key)} and value {fmt(value)} need the same length")
    if p["score_mode"] == "dot" and query[-1] != key[-1]:
        raise ShapeProblem(f"score_mode 'dot' needs query and key with equal features, got {fmt(query)} "
                           f"and {fmt(key)}")
    weights = int(p["use_scale"]) + int(p["score_mode"] == "concat")
    return LayerShape((*query[:-1], value[-1]), weights, macs=_prod(query[:-1]) * _prod(key[:-1]) * 2 * key[-1])


def _position_embedding(p: dict, shape: Shape) -> LayerShape:
    length, dim = shape[0], _channels(shape, "features")
    if length is not None and length > p["sequence_length"]:
        raise ShapeProblem(f"its input has {length} positions but sequence_length is {p['sequence_length']}: "
                           f"raise sequence_length to {length}", field="sequence_length",
                           fix=Fix(f"Set sequence_length to {length}", "set_param",
                                   {"param": "sequence_length", "value": length}))
    return LayerShape(shape, p["sequence_length"] * dim)


# ----- recurrent ------------------------------------------------------------------------------------
_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}


def _recurrent_weights(type_name: str, p: dict, features: int) -> int:
    units, gates = p["units"], _GATES[type_name]
    bias = gates * units * (2 if type_name == "GRU" and p.get("reset_after", True) else 1)
    return gates * units * (features + units) + bias


def _recurrent(type_name: str) -> Callable[..., LayerShape]:
    def rule(p: dict, shape: Shape) -> LayerShape:
        steps, features = shape[0], _channels(shape, "features")
        units = p["units"]
        out = (steps, units) if p["return_sequences"] else (units,)
        macs = (steps or 1) * _GATES[type_name] * units * (features + units)
        return LayerShape(out, _recurrent_weights(type_name, p, features), macs=macs)

    return rule


def _bidirectional(p: dict, shape: Shape) -> LayerShape:
    from models.graph.catalog import layer_type

    inner_type = p["layer"]["class_name"]
    inner = {**layer_type(inner_type).defaults(), **p["layer"].get("config", {})}
    single = _recurrent(inner_type)(inner, shape)
    units = single.output[-1]
    width = 2 * units if p["merge_mode"] == "concat" else units
    return LayerShape((*single.output[:-1], width), 2 * single.trainable, macs=2 * single.macs)


def _keras_layer(p: dict, *shapes: Shape) -> LayerShape:
    """An imported layer kept as Keras's configuration: its shapes and parameters were measured by Keras at the
    import, for the input shapes it had then; for other inputs Strata cannot tell what it gives."""
    layer = p["layer"]
    if layer is None:
        raise ShapeProblem("this imported layer has lost its Keras configuration; import the model again")
    measured = [tuple(s) for s in layer["input_shapes"]]
    if list(shapes) != measured:
        raise ShapeProblem(f"this imported {layer['class_name']} was measured with input "
                           f"{' and '.join(map(fmt, measured))}, and Strata cannot work out what it gives for "
                           f"{' and '.join(map(fmt, shapes))}; give it that input again, or replace it with a layer "
                           "from the palette")
    trainable, non_trainable = layer["params"]
    return LayerShape(tuple(layer["output_shape"]), trainable, non_trainable)


def _softmax(p: dict, shape: Shape) -> LayerShape:
    if not -len(shape) <= p["axis"] < len(shape):
        raise ShapeProblem(f"axis {p['axis']} is not an axis of its {fmt(shape)} input (use -1 for the last)",
                           field="axis", fix=Fix("Use axis -1", "set_param", {"param": "axis", "value": -1}))
    return LayerShape(shape)


def _prelu(_p: dict, shape: Shape) -> LayerShape:
    if None in shape:
        raise ShapeProblem(f"learns one slope per value, so it needs a fully known input shape, got {fmt(shape)}")
    return LayerShape(shape, math.prod(shape))


def _input(p: dict) -> LayerShape:
    return LayerShape(tuple(p["shape"]))


RULES: dict[str, Callable[..., LayerShape]] = {
    "Input": _input,
    "Dense": _dense, "Activation": _same, "Dropout": _same, "Embedding": _embedding,
    "ReLU": _same, "LeakyReLU": _same, "PReLU": _prelu, "ELU": _same, "Softmax": _softmax,
    "Conv1D": lambda p, s: _conv(p, s, 1, "conv"),
    "Conv2D": lambda p, s: _conv(p, s, 2, "conv"),
    "Conv2DTranspose": lambda p, s: _conv(p, s, 2, "transpose"),
    "SeparableConv2D": lambda p, s: _conv(p, s, 2, "separable"),
    "DepthwiseConv2D": lambda p, s: _conv(p, s, 2, "depthwise"),
    "MaxPooling1D": lambda p, s: _pool(p, s, 1), "MaxPooling2D": lambda p, s: _pool(p, s, 2),
    "AveragePooling1D": lambda p, s: _pool(p, s, 1), "AveragePooling2D": lambda p, s: _pool(p, s, 2),
    "GlobalAveragePooling1D": _global_pool, "GlobalAveragePooling2D": _global_pool,
    "GlobalMaxPooling1D": _global_pool, "GlobalMaxPooling2D": _global_pool,
    "MultiHeadAttention": _multi_head_attention, "Attention": _attention,
    "BatchNormalization": _batch_norm, "LayerNormalization": _layer_norm, "Normalization": _normalization,
    "LayerScale": _layer_scale,
    "Flatten": _flatten, "Reshape": _reshape, "Permute": _permute, "UpSampling2D": _upsampling,
    "ZeroPadding2D": _zero_padding, "Cropping2D": _cropping,
    "Add": _elementwise("Add"), "Multiply": _elementwise("Multiply"), "Average": _elementwise("Average"),
    "Concatenate": _concatenate,
    "LSTM": _recurrent("LSTM"), "GRU": _recurrent("GRU"), "SimpleRNN": _recurrent("SimpleRNN"),
    "Bidirectional": _bidirectional,
    "SpatialDropout2D": _same, "GaussianNoise": _same,
    "Rescaling": _same, "Resizing": _resizing, "RandomFlip": _same, "RandomRotation": _same,
    "RandomZoom": _same, "RandomTranslation": _same, "RandomContrast": _same,
    "PositionEmbedding": _position_embedding,
    "KerasLayer": _keras_layer,
}


def infer(type_name: str, params: dict, input_shapes: list[Shape], sources: list[str]) -> LayerShape:
    """Apply the rule of `type_name`; raises ShapeProblem."""
    rule = RULES[type_name]
    if getattr(rule, "takes_sources", False):
        return rule(params, *input_shapes, sources=sources)
    return rule(params, *input_shapes)
