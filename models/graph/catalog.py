"""Every layer type Strata offers, as data: Keras class, category, parameters, inputs, teaching text.

The palette, the inspector form, validation, the builder and the code export all read this table, so a
new layer type is one entry here (plus its shape rule in `shapes.py`). Parameter names are Keras's own
constructor arguments, and a project file stores them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

ACTIVATIONS = (
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "swish", "hard_silu",
    "hard_swish", "mish", "sigmoid", "hard_sigmoid", "log_sigmoid", "sparse_sigmoid", "tanh", "hard_tanh",
    "tanh_shrink", "soft_shrink", "hard_shrink", "softplus", "sparse_plus", "squareplus", "softsign", "softmax",
    "log_softmax", "sparsemax", "exponential",
)
PADDINGS = ("valid", "same")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "zeros", "ones")
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")  # what Keras 3's Resizing runs
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


KERAS_LAYER = "KerasLayer"  # the type of an imported layer kept as Keras's own configuration
PALETTE_HIDDEN = frozenset({KERAS_LAYER})  # types that only an import makes


@dataclass(frozen=True)
class Param:
    """One constructor argument. `kind` decides the editor widget and the type check:

    int, float, bool, choice, str, shape (list of ints, None allowed), int_tuple (an int or `length`
    ints), float_range (a float or [low, high]), padding2d (int, [sym_h, sym_w] or [[t, b], [l, r]]),
    optional_int (int or null), optional_float (number or null), optional_tuple (null or like int_tuple),
    optional_floats (null, a number or a list of numbers), int_list (list of ints),
    recurrent_layer ({"class_name", "config"}), keras_layer (an imported layer exactly as Keras serialised it:
    see `KERAS_LAYER`).
    """

    name: str
    kind: str
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] = ()
    length: int = 0
    required: bool = False  # always written to files and code (Keras has no default, or a different one)
    key: bool = False  # shown on the layer's card ("Conv2D · 32 · 3x3 · relu")

    def normalize(self, value: Any) -> Any:
        """Canonical form for comparisons: 3 and [3, 3] are the same kernel_size."""
        if self.kind in ("int_tuple", "optional_tuple") and isinstance(value, int) and not isinstance(value, bool):
            return [value] * self.length if self.length > 1 else value
        if self.kind in ("int_tuple", "optional_tuple") and isinstance(value, list | tuple) and self.length == 1:
            return value[0]
        if self.kind == "padding2d" and value is not None:
            if isinstance(value, int):
                return [[value, value], [value, value]]
            if all(isinstance(v, int) for v in value):
                return [[value[0], value[0]], [value[1], value[1]]]
            return [list(v) for v in value]
        if isinstance(value, tuple):
            return [list(v) if isinstance(v, tuple) else v for v in value]
        return value

    def is_default(self, value: Any) -> bool:
        return self.normalize(value) == self.normalize(self.default)


@dataclass(frozen=True)
class LayerType:
    """A layer type. `input_ranks` are the accepted input ranks without the batch axis (None: any)."""

    name: str
    category: str
    teaching: str
    params: tuple[Param, ...] = ()
    min_inputs: int = 1
    max_inputs: int = 1
    ports: tuple[str, ...] = ()  # named inputs (MultiHeadAttention: query, value, key)
    input_ranks: tuple[int, ...] | None = None
    module: str = "keras.layers"  # "strata" for Strata's own layers (models/building/custom_layers.py)
    param_index: dict[str, Param] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.param_index.update({param.name: param for param in self.params})

    def param(self, name: str) -> Param:
        return self.param_index[name]

    def defaults(self) -> dict[str, Any]:
        return {param.name: param.default for param in self.params}

    @property
    def is_input(self) -> bool:
        return self.max_inputs == 0

    @property
    def is_merge(self) -> bool:
        return self.max_inputs > 1 and not self.ports


LAYER_SCALE_MODULE = "keras.src.applications.convnext"  # Keras's own LayerScale: loads wherever Keras does

# ----- parameter shorthands -------------------------------------------------------------------------
def _int(name, default, help, lo=1, hi=None, key=False, required=False):
    return Param(name, "int", default, help, min=lo, max=hi, key=key, required=required)


def _float(name, default, help, lo=0.0, hi=None, key=False):
    return Param(name, "float", default, help, min=lo, max=hi, key=key)


def _bool(name, default, help, key=False):
    return Param(name, "bool", default, help, key=key)


def _choice(name, default, choices, help, key=False):
    return Param(name, "choice", default, help, choices=tuple(choices), key=key)


def _activation(default="linear", key=True):
    return _choice("activation", default, ACTIVATIONS, "Non-linearity applied to the output", key=key)


def _tuple(name, default, length, help, lo=1, key=False, required=False):
    return Param(name, "int_tuple", default, help, min=lo, length=length, key=key, required=required)


def _conv_params(rank: int, filters: bool = True, initializer: bool = True, groups: bool = False) -> tuple[Param, ...]:
    ones = 1 if rank == 1 else [1] * rank
    params = [
        _tuple("kernel_size", 3 if rank == 1 else [3] * rank, rank, "Size of the sliding window", key=True,
               required=True),
        _tuple("strides", ones, rank, "Step between window positions; 2 halves the size"),
        _choice("padding", "valid", PADDINGS if rank == 2 else (*PADDINGS, "causal"),
                "'same' keeps the size (with stride 1); 'valid' shrinks it by kernel-1", key=True),
        _tuple("dilation_rate", ones, rank, "Gaps inside the kernel: widens its view without more weights"),
        _activation(),
        _bool("use_bias", True, "Add a learned bias per output channel"),
    ]
    if initializer:  # separable and depthwise layers name their initializers differently
        params.append(_choice("kernel_initializer", "glorot_uniform", INITIALIZERS, "How the weights start"))
    if filters:
        params.insert(0, _int("filters", 32, "Number of output channels (feature maps)", key=True, required=True))
    if groups:
        params.append(_int("groups", 1, "Split the channels into this many groups, each filtered on its own "
                           "(ResNeXt, ConvNeXt); input channels and filters must both divide by it"))
    return tuple(params)


def _pool_params(rank: int) -> tuple[Param, ...]:
    two = 2 if rank == 1 else [2] * rank
    return (
        _tuple("pool_size", two, rank, "Size of the window to pool over", key=True, required=True),
        Param("strides", "optional_tuple", None, "Step between windows; empty means pool_size", min=1,
              length=rank),
        _choice("padding", "valid", PADDINGS, "'same' pads so every input position is covered"),
    )


def _recurrent_params(gru: bool = False) -> tuple[Param, ...]:
    params = [
        _int("units", 32, "Size of the hidden state", key=True, required=True),
        _choice("activation", "tanh", ACTIVATIONS, "Activation of the candidate state"),
        _bool("return_sequences", False, "Output every time step (needed to stack recurrent layers)",
              key=True),
        _float("dropout", 0.0, "Fraction of inputs dropped while training", hi=1.0),
        _float("recurrent_dropout", 0.0, "Fraction of the recurrent state dropped while training", hi=1.0),
        _bool("go_backwards", False, "Read the sequence from the end"),
    ]
    if gru:
        params.append(_bool("reset_after", True, "GRU convention (True matches cuDNN)"))
    return tuple(params)


_SEQ = (2,)  # (timesteps, features)
_IMG = (3,)  # (height, width, channels)

LAYERS: tuple[LayerType, ...] = (
    # ---- input -----------------------------------------------------------------------------------
    LayerType("Input", "Input", "Where data enters the model. Its shape is one sample, without the batch.",
              (Param("shape", "shape", [28, 28, 1], "Shape of one sample, e.g. [28, 28, 1] or [64]",
                     min=1, key=True, required=True),
               _choice("dtype", "float32", ("float32", "int32"), "int32 for token ids fed to Embedding")),
              min_inputs=0, max_inputs=0),
    # ---- core --------------------------------------------------------------------------------------
    LayerType("Dense", "Core", "Every output is a weighted sum of all inputs plus a bias: the basic "
              "fully connected layer. Acts on the last axis.",
              (_int("units", 64, "Number of outputs", key=True, required=True), _activation(),
               _bool("use_bias", True, "Add a learned bias"),
               _choice("kernel_initializer", "glorot_uniform", INITIALIZERS, "How the weights start"))),
    LayerType("Activation", "Core", "Applies a non-linearity on its own, e.g. after BatchNormalization.",
              (Param("activation", "choice", "relu", "The function to apply", choices=ACTIVATIONS, key=True,
                     required=True),)),
    LayerType("ReLU", "Activations", "max(x, 0) as a layer of its own, with a cap (ReLU(6) in MobileNets), a "
              "slope below the threshold (leaky) and a threshold.",
              (Param("max_value", "optional_float", None, "Cap on the output, e.g. 6 (unset: none)", min=0.0,
                     key=True),
               _float("negative_slope", 0.0, "Slope below the threshold (0: plain ReLU)"),
               _float("threshold", 0.0, "Values below it are cut (or scaled by negative_slope); 0 or more, as Keras "
                      "requires"))),
    LayerType("LeakyReLU", "Activations", "Like ReLU, but negative inputs keep a small slope, so a unit never "
              "stops learning entirely.",
              (_float("negative_slope", 0.3, "Slope for negative inputs", key=True),)),
    LayerType("PReLU", "Activations", "A leaky ReLU whose negative slope is learned, one per value.",
              (_choice("alpha_initializer", "zeros", INITIALIZERS, "How the learned slopes start"),)),
    LayerType("ELU", "Activations", "Exponential linear unit: smooth below zero, tending to -alpha.",
              (_float("alpha", 1.0, "The value it tends to for very negative inputs (as -alpha)", key=True),)),
    LayerType("Softmax", "Activations", "Turns scores into probabilities that sum to 1 along an axis.",
              (_int("axis", -1, "Axis to normalize over", lo=None, key=True),)),
    LayerType("Dropout", "Core", "While training, zeroes a random fraction of values so the network "
              "cannot rely on any single one. Does nothing at inference.",
              (Param("rate", "float", 0.5, "Fraction of values set to zero", min=0.0, max=0.99, key=True,
                     required=True),)),
    LayerType("Embedding", "Core", "Turns token ids into learned vectors: the first layer of text and "
              "sequence models. Its input is integer ids.",
              (_int("input_dim", 1000, "Vocabulary size (largest id + 1)", key=True, required=True),
               _int("output_dim", 64, "Length of each token's vector", key=True, required=True))),
    # ---- convolution ---------------------------------------------------------------------------------
    LayerType("Conv1D", "Convolution", "Slides small learned filters along a sequence: finds local "
              "patterns in time series or token vectors.", _conv_params(1, groups=True), input_ranks=_SEQ),
    LayerType("Conv2D", "Convolution", "Slides small learned filters over an image. Early ones learn "
              "edges and colours, deeper ones textures and parts.", _conv_params(2, groups=True), input_ranks=_IMG),
    LayerType("Conv2DTranspose", "Convolution", "A learned upsampling: the reverse of a strided "
              "convolution, used in decoders and generators.", _conv_params(2), input_ranks=_IMG),
    LayerType("SeparableConv2D", "Convolution", "A per-channel spatial filter followed by a 1x1 mix: "
              "much cheaper than Conv2D for a similar result (MobileNet, Xception).",
              (*_conv_params(2, initializer=False), _int("depth_multiplier", 1, "Spatial filters per input channel")),
              input_ranks=_IMG),
    LayerType("DepthwiseConv2D", "Convolution", "Filters each channel on its own, without mixing "
              "channels; pair it with a 1x1 Conv2D.",
              (*_conv_params(2, filters=False, initializer=False),
               _int("depth_multiplier", 1, "Output channels per input channel")), input_ranks=_IMG),
    # ---- pooling -----------------------------------------------------------------------------------
    LayerType("MaxPooling1D", "Pooling", "Keeps the largest value in each window of a sequence.",
              _pool_params(1), input_ranks=_SEQ),
    LayerType("MaxPooling2D", "Pooling", "Keeps the strongest response in each window: halves the image "
              "size and makes features robust to small shifts.", _pool_params(2), input_ranks=_IMG),
    LayerType("AveragePooling1D", "Pooling", "Averages each window of a sequence.", _pool_params(1),
              input_ranks=_SEQ),
    LayerType("AveragePooling2D", "Pooling", "Averages each window: a smooth downsampling.",
              _pool_params(2), input_ranks=_IMG),
    LayerType("GlobalAveragePooling1D", "Pooling", "Averages over all time steps: one vector per "
              "sequence.", (_bool("keepdims", False, "Keep the time axis with length 1"),),
              input_ranks=_SEQ),
    LayerType("GlobalAveragePooling2D", "Pooling", "Averages each feature map to one number: a compact "
              "alternative to Flatten before the classifier.",
              (_bool("keepdims", False, "Keep the spatial axes with size 1"),), input_ranks=_IMG),
    LayerType("GlobalMaxPooling1D", "Pooling", "Keeps the largest value of each feature over time.",
              (_bool("keepdims", False, "Keep the time axis with length 1"),), input_ranks=_SEQ),
    LayerType("GlobalMaxPooling2D", "Pooling", "Keeps the strongest response of each feature map.",
              (_bool("keepdims", False, "Keep the spatial axes with size 1"),), input_ranks=_IMG),
    # ---- attention -------------------------------------------------------------------------------
    LayerType("MultiHeadAttention", "Attention", "Each position looks at every other position and takes "
              "a weighted mix of them; several heads look for different relations. With one input it is "
              "self-attention; connect query and value separately for cross-attention.",
              (_int("num_heads", 4, "Number of attention heads", key=True, required=True),
               _int("key_dim", 32, "Size of each head's query and key", key=True, required=True),
               Param("value_dim", "optional_int", None, "Size of each head's value (default key_dim)", min=1),
               _float("dropout", 0.0, "Dropout on the attention weights", hi=0.99),
               _bool("use_bias", True, "Biases in the projections"),
               Param("output_shape", "optional_int", None, "Output features (default: the query's)", min=1)),
              min_inputs=1, max_inputs=3, ports=("query", "value", "key"), input_ranks=(2, 3)),
    LayerType("Attention", "Attention", "Dot-product attention (Luong style): each query takes a "
              "softmax-weighted mix of the values. Inputs: query, value (and optionally key).",
              (_bool("use_scale", False, "Learn a scale for the scores"),
               _choice("score_mode", "dot", ("dot", "concat"), "How query and key are compared"),
               _float("dropout", 0.0, "Dropout on the attention weights", hi=0.99)),
              min_inputs=2, max_inputs=3, ports=("query", "value", "key"), input_ranks=(2,)),
    # ---- normalization -----------------------------------------------------------------------------
    LayerType("BatchNormalization", "Normalization", "Rescales each channel to zero mean and unit "
              "variance over the batch, then learns a scale and shift: trains faster and steadier.",
              (_float("momentum", 0.99, "How fast the running statistics follow the batches", hi=1.0),
               _float("epsilon", 0.001, "Added to the variance to avoid dividing by zero", lo=0.0),
               _bool("center", True, "Learn a shift (beta)"), _bool("scale", True, "Learn a scale (gamma)"))),
    LayerType("LayerNormalization", "Normalization", "Normalizes each sample over its features: the "
              "normalization of Transformers, independent of the batch size.",
              (_float("epsilon", 0.001, "Added to the variance to avoid dividing by zero", lo=0.0),
               _bool("center", True, "Learn a shift (beta)"), _bool("scale", True, "Learn a scale (gamma)"))),
    LayerType("Normalization", "Normalization", "Subtracts the data's mean and divides by its standard "
              "deviation, per feature, so every input arrives centred with a spread of about one. The mean and "
              "variance come from the data (right-click ▸ Adapt to the loaded data), not from training.",
              (Param("axis", "int_list", [-1], "The axes that keep a mean and variance of their own, counted "
                     "with the batch axis as 0 (-1: the last, the channels)", key=True),
               Param("mean", "optional_floats", None, "The mean per feature (or one for all); empty: held in "
                     "the layer's weights, as an imported model's are"),
               Param("variance", "optional_floats", None, "The variance per feature (or one for all); empty: held "
                     "in the layer's weights", min=0.0),
               _bool("invert", False, "Undo a normalization instead: multiply back and add the mean"))),
    LayerType("LayerScale", "Normalization", "Multiplies each channel by a learned factor that starts tiny, "
              "so a new residual branch starts almost switched off and grows as it learns (ConvNeXt, CaiT).",
              (Param("init_values", "float", 1e-6, "The factor every channel starts at", min=0.0, key=True,
                     required=True),
               _int("projection_dim", 64, "Channels of its input (one factor each)", key=True, required=True)),
              module=LAYER_SCALE_MODULE),
    # ---- reshaping --------------------------------------------------------------------------------
    LayerType("Flatten", "Reshaping", "Unrolls a feature map into one long vector, e.g. before Dense."),
    LayerType("Reshape", "Reshaping", "Rearranges the values into a new shape with the same number of "
              "elements; one dimension may be -1 (inferred).",
              (Param("target_shape", "shape", [-1], "New shape without the batch, e.g. [49, 64]", min=-1,
                     key=True, required=True),)),
    LayerType("Permute", "Reshaping", "Reorders the axes, e.g. [2, 1] swaps time and features.",
              (Param("dims", "int_list", [2, 1], "New order of the axes, counting from 1", min=1, key=True,
                     required=True),)),
    LayerType("UpSampling2D", "Reshaping", "Enlarges an image by repeating rows and columns.",
              (_tuple("size", [2, 2], 2, "Factor for height and width", key=True),
               _choice("interpolation", "nearest", ("nearest", "bilinear"), "How new pixels are filled")),
              input_ranks=_IMG),
    LayerType("ZeroPadding2D", "Reshaping", "Adds rows and columns of zeros around an image.",
              (Param("padding", "padding2d", [1, 1], "Rows and columns to add: n, [h, w] or "
                     "[[top, bottom], [left, right]]", min=0, key=True),), input_ranks=_IMG),
    LayerType("Cropping2D", "Reshaping", "Cuts rows and columns off the edges of an image.",
              (Param("cropping", "padding2d", [[0, 0], [0, 0]], "Rows and columns to remove: n, [h, w] or "
                     "[[top, bottom], [left, right]]", min=0, key=True, required=True),), input_ranks=_IMG),
    # ---- merge ---------------------------------------------------------------------------------------
    LayerType("Add", "Merge", "Adds its inputs element by element: the residual (skip) connection of "
              "ResNets and Transformers. Inputs must have equal shapes.", min_inputs=2, max_inputs=8),
    LayerType("Concatenate", "Merge", "Joins its inputs along one axis (channels by default), as in "
              "Inception and U-Net.", (_int("axis", -1, "Axis to join along", lo=None, key=True),),
              min_inputs=2, max_inputs=8),
    LayerType("Multiply", "Merge", "Multiplies its inputs element by element: gating.",
              min_inputs=2, max_inputs=8),
    LayerType("Average", "Merge", "Averages its inputs element by element: ensembles.",
              min_inputs=2, max_inputs=8),
    # ---- recurrent -----------------------------------------------------------------------------------
    LayerType("LSTM", "Recurrent", "Reads a sequence step by step with a gated memory that keeps "
              "information over long spans.", _recurrent_params(), input_ranks=_SEQ),
    LayerType("GRU", "Recurrent", "A lighter gated recurrent layer than LSTM, often as good.",
              _recurrent_params(gru=True), input_ranks=_SEQ),
    LayerType("SimpleRNN", "Recurrent", "The plain recurrent layer: easy to follow, forgets quickly.",
              _recurrent_params(), input_ranks=_SEQ),
    LayerType("Bidirectional", "Recurrent", "Runs a recurrent layer forwards and backwards and joins "
              "both: each step sees its past and its future.",
              (Param("layer", "recurrent_layer", {"class_name": "LSTM", "config": {"units": 32}},
                     "The recurrent layer to run both ways", key=True, required=True,
                     choices=("LSTM", "GRU", "SimpleRNN")),
               _choice("merge_mode", "concat", ("concat", "sum", "mul", "ave"), "How the directions join")),
              input_ranks=_SEQ),
    # ---- regularization -------------------------------------------------------------------------
    LayerType("SpatialDropout2D", "Regularization", "Drops whole feature maps instead of single "
              "values: the dropout for convolutional layers.",
              (Param("rate", "float", 0.2, "Fraction of channels dropped", min=0.0, max=0.99, key=True,
                     required=True),), input_ranks=_IMG),
    LayerType("GaussianNoise", "Regularization", "Adds random noise while training: a regularizer and "
              "a simple augmentation.",
              (Param("stddev", "float", 0.1, "Standard deviation of the noise (Keras allows 0-1)", min=0.0,
                     max=1.0, key=True, required=True),)),
    # ---- preprocessing / augmentation -----------------------------------------------------------
    LayerType("Rescaling", "Preprocessing", "Multiplies by a scale and adds an offset, e.g. 1/255 to "
              "bring pixels to 0-1.",
              (Param("scale", "float", 1 / 255, "Multiplier",
                    key=True, required=True), _float("offset", 0.0, "Added after",
                                                                                lo=None))),
    LayerType("Resizing", "Preprocessing", "Resizes images to a fixed height and width.",
              (_int("height", 32, "Output height", key=True, required=True),
               _int("width", 32, "Output width", key=True, required=True),
               _choice("interpolation", "bilinear", INTERPOLATIONS, "Resampling method"),
               _bool("crop_to_aspect_ratio", False, "Crop instead of distorting the aspect ratio")),
              input_ranks=_IMG),
    LayerType("RandomFlip", "Preprocessing", "Augmentation: flips images at random while training.",
              (_choice("mode", "horizontal_and_vertical", ("horizontal", "vertical",
                                                           "horizontal_and_vertical"), "Which flips",
                       key=True),), input_ranks=_IMG),
    LayerType("RandomRotation", "Preprocessing", "Augmentation: rotates images by a random angle while "
              "training (factor 0.1 = up to 36 degrees).",
              (Param("factor", "float_range", 0.1, "Fraction of a full turn, or [low, high]", key=True, required=True),
               _choice("fill_mode", "reflect", FILL_MODES, "How empty corners are filled")),
              input_ranks=_IMG),
    LayerType("RandomZoom", "Preprocessing", "Augmentation: zooms in or out at random while training.",
              (Param("height_factor", "float_range", 0.1, "Zoom range for height, or [low, high]",
                    key=True, required=True),
               _choice("fill_mode", "reflect", FILL_MODES, "How empty borders are filled")),
              input_ranks=_IMG),
    LayerType("RandomTranslation", "Preprocessing", "Augmentation: shifts images at random while "
              "training.",
              (Param("height_factor", "float_range", 0.1, "Vertical shift, fraction of the height",
                    key=True, required=True),
               Param("width_factor", "float_range", 0.1, "Horizontal shift, fraction of the width",
                     key=True, required=True),
               _choice("fill_mode", "reflect", FILL_MODES, "How empty borders are filled")),
              input_ranks=_IMG),
    LayerType("RandomContrast", "Preprocessing", "Augmentation: changes the contrast at random while "
              "training.", (Param("factor", "float_range", 0.2, "Contrast change, or [low, high]",
                                  key=True, required=True),), input_ranks=_IMG),
    # ---- imported -----------------------------------------------------------------------------------
    LayerType(KERAS_LAYER, "Imported", "A layer of an imported Keras model that Strata has no form for, kept "
              "exactly as Keras describes it: it builds, trains and shows its outputs like any other. Its "
              "settings are Keras's own, shown read-only.",
              (Param("layer", "keras_layer", None, "The Keras class, its configuration and how it is called, as "
                     "Keras serialised them, with the input and output shapes measured when it was imported",
                     key=True, required=True),),
              min_inputs=1, max_inputs=16, module="keras-config"),
    # ---- Strata's own ------------------------------------------------------------------------------
    LayerType("PositionEmbedding", "Attention", "Adds a learned vector per position to a sequence of "
              "tokens or image patches, so attention knows where each one is (Vision Transformer).",
              (_int("sequence_length", 64, "Longest sequence it can take", key=True, required=True),
               _choice("initializer", "glorot_uniform", INITIALIZERS, "How the embeddings start")),
              input_ranks=_SEQ, module="strata"),
)

KERAS_ARGUMENTS = "keras_arguments"
# Constructor arguments a layer may carry without a field of its own: they change how its weights start and are
# kept in bounds, never a shape or a parameter count (what an imported model brings, e.g. EfficientNet's
# VarianceScaling initializers). Per type: its weights (each with _initializer, _regularizer, _constraint) and
# its other such arguments; tests/models/graph/test_catalog.py checks the names against Keras's signatures.
_RECURRENT = ("kernel recurrent bias", "seed unroll")
_WEIGHTS_AND_MORE: dict[str, tuple[str, str]] = {
    "Dense": ("kernel bias", ""), "Conv1D": ("kernel bias", ""), "Conv2D": ("kernel bias", ""),
    "Conv2DTranspose": ("kernel bias", ""), "SeparableConv2D": ("depthwise pointwise bias", ""),
    "DepthwiseConv2D": ("depthwise bias", ""), "Embedding": ("embeddings", "mask_zero"),
    "MultiHeadAttention": ("kernel bias", "seed"), "Attention": ("", "seed"),
    "BatchNormalization": ("beta gamma", "synchronized moving_mean_initializer moving_variance_initializer"),
    "LayerNormalization": ("beta gamma", ""), "SimpleRNN": _RECURRENT, "PReLU": ("alpha", ""),
    "LSTM": (_RECURRENT[0], "seed unroll recurrent_activation use_cudnn"),
    "GRU": (_RECURRENT[0], "seed unroll recurrent_activation use_cudnn"),
    "Dropout": ("", "noise_shape seed"), "SpatialDropout2D": ("", "noise_shape seed"), "GaussianNoise": ("", "seed"),
    **{name: ("", "seed") for name in ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
                                       "RandomContrast")},
}


_NO_LAYER_ARGUMENTS = frozenset({"SpatialDropout2D"})  # its constructor takes no trainable= or activity_regularizer=


def keras_argument_names(type_name: str) -> tuple[str, ...]:
    weights, more = _WEIGHTS_AND_MORE.get(type_name, ("", ""))
    names = [f"{weight}_{what}" for weight in weights.split() for what in ("initializer", "regularizer", "constraint")]
    common = () if type_name in _NO_LAYER_ARGUMENTS else ("activity_regularizer",)
    return tuple(sorted({*common, *names, *more.split()}))


def _with_common_params(kind: LayerType) -> LayerType:
    """Every Keras layer's own `trainable` switch and its kept Keras arguments."""
    if kind.module not in ("keras.layers", LAYER_SCALE_MODULE) or kind.is_input or kind.name in _NO_LAYER_ARGUMENTS:
        return kind
    trainable = Param("trainable", "bool", True, "Learn this layer's weights in training; unchecked, they stay as "
                      "they are (frozen, as for a pretrained backbone; BatchNormalization then uses its "
                      "stored statistics)")
    extra = Param(KERAS_ARGUMENTS, "keras_arguments", {}, "Other Keras arguments, as Keras writes them "
                  "(initializers, regularizers, constraints): kept from an imported model",
                  choices=keras_argument_names(kind.name))
    return replace(kind, params=(*kind.params, trainable, extra), param_index={})


LAYERS = tuple(_with_common_params(kind) for kind in LAYERS)
CATALOG: dict[str, LayerType] = {layer.name: layer for layer in LAYERS}
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(layer.category for layer in LAYERS))


def layer_type(name: str) -> LayerType:
    """The catalog entry for a Keras class name; KeyError names the unknown type."""
    try:
        return CATALOG[name]
    except KeyError:
        raise KeyError(f"unknown layer type '{name}'") from None


def by_category() -> dict[str, list[LayerType]]:
    """Layer types grouped for the palette, in catalog order."""
    groups: dict[str, list[LayerType]] = {}
    for layer in LAYERS:
        if layer.name not in PALETTE_HIDDEN:
            groups.setdefault(layer.category, []).append(layer)
    return groups
