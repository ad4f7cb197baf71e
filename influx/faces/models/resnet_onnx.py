"""dlib's face-encoding ResNet run on ONNX Runtime: the same network and weights, read from the
model file that face_recognition_models installs, about ten times faster than dlib's own CPU code.

`graph()` reads dlib's serialized network (the layout of `dlib/dnn/core.h` and `layers.h`: each
layer's parameters as raw little-endian float32 tensors) and builds the equivalent ONNX graph.
The vectors equal dlib's `compute_face_descriptor` to about 1e-6 (tests/test_models.py checks
1e-4 on real faces), so faces from either runtime are compared and clustered together.

The architecture below is the one of dlib's `dnn_face_recognition_ex.cpp`; reading checks every
layer kind, kernel, stride and size against it and that the file ends where the network does.
"""

from __future__ import annotations

import numpy as np

SIZE = 150  # the network's input: a 150x150 RGB chip (dlib.get_face_chip, padding 0.25)


class FormatError(ValueError):
    """The model file is not the network this module knows."""


def _layers() -> list[tuple]:
    """The network's layers from the input up (dlib writes them the other way round)."""

    def block(n, stride):
        return [("con", n, 3, stride), ("affine",), ("relu",), ("con", n, 3, 1), ("affine",)]

    def ares(n):  # relu(x + block(x))
        return [("tag1",), *block(n, 1), ("add_prev", "tag1"), ("relu",)]

    def ares_down(n):  # relu(avg_pool(x) + block(x, stride 2))
        shortcut = [("skip", "tag1"), ("avg_pool", 2, 2), ("add_prev", "tag2")]
        return [("tag1",), *block(n, 2), ("tag2",), *shortcut, ("relu",)]

    layers = [("con", 32, 7, 2), ("affine",), ("relu",), ("max_pool", 3, 2)]
    layers += ares(32) * 3
    layers += ares_down(64) + ares(64) * 3
    layers += ares_down(128) + ares(128) * 2
    layers += ares_down(256) + ares(256) * 2
    layers += ares_down(256)
    return layers + [("avg_pool_all",), ("fc", 128)]


_VERSIONS = {"con": "con_4", "affine": "affine_", "relu": "relu_", "max_pool": "max_pool_2",
             "avg_pool": "avg_pool_2", "avg_pool_all": "avg_pool_2", "add_prev": "add_prev_", "fc": "fc_2"}  # fmt: skip


class _Reader:
    """dlib's serialization (dlib/serialize.h): integers as a control byte (length, sign) then
    little-endian bytes; floats as an integer mantissa and exponent; strings length-prefixed."""

    def __init__(self, data: bytes):
        self.data, self.at = memoryview(data), 0  # slices without copies

    def _take(self, n: int) -> memoryview:
        if self.at + n > len(self.data):
            raise FormatError("the model file ends early")
        out = self.data[self.at : self.at + n]
        self.at += n
        return out

    def int(self) -> int:
        ctrl = self._take(1)[0]
        value = int.from_bytes(self._take(ctrl & 0x0F), "little")
        return -value if ctrl & 0x80 else value

    def float(self) -> float:
        return self.int() * 2.0 ** self.int()

    def str(self) -> str:
        return bytes(self._take(self.int())).decode("latin-1")

    def bool(self) -> bool:
        return self._take(1) == b"1"

    def tensor(self) -> np.ndarray:
        self.expect(self.int(), 2, "tensor version")
        shape = [self.int() for _ in range(4)]
        return np.frombuffer(self._take(4 * int(np.prod(shape))), "<f4").reshape(shape)

    def alias(self) -> tuple[int, ...]:
        self.expect(self.int(), 1, "alias_tensor version")
        return tuple(self.int() for _ in range(4))

    def expect(self, found, wanted, what: str) -> None:
        if found != wanted:
            raise FormatError(f"{what}: found {found!r} at byte {self.at}, expected {wanted!r}")


def read(data: bytes) -> tuple[list[float], list[tuple], list]:
    """(input means, layers, parameters per layer) of dlib_face_recognition_resnet_model_v1."""
    r = _Reader(data)
    r.expect(r.int(), 1, "add_loss_layer version")
    r.expect(r.str(), "loss_metric_2", "loss")
    r.float(), r.float()  # margin, distance threshold: training only
    layers = _layers()
    # every layer wrapper (add_layer, tag, skip) writes its version first, the outermost first;
    # then the input, then each layer's own details and buffers, the innermost first
    versions = [r.int() for _ in layers][::-1]
    r.expect(r.str(), "input_rgb_image_sized", "input layer")
    means = [r.float() for _ in range(3)]
    r.expect((r.int(), r.int()), (SIZE, SIZE), "input size")
    params: list = []
    for i, (layer, version) in enumerate(zip(layers, versions, strict=True)):
        kind = layer[0]
        if kind.startswith("tag") or kind == "skip":
            params.append(None)
            continue
        r.expect(r.str(), _VERSIONS[kind], f"layer {i}")
        params.append(_details(r, layer))
        r.bool(), r.bool(), r.bool()  # setup called, gradient stale, gradient disabled
        r.tensor(), r.tensor()  # x_grad, cached_output
        if i == 0:  # the layer on the input
            r.tensor()  # grad_final
            if version >= 3:
                r.int()  # sample expansion factor
        elif version == 2:
            r.tensor()  # params_grad
    r.expect(r.at, len(data), "end of the network")
    return means, layers, params


def _details(r: _Reader, layer: tuple):
    kind = layer[0]
    if kind == "con":
        params = r.tensor().reshape(-1)
        filters, rows, cols, stride_y, stride_x, pad_y, pad_x = (r.int() for _ in range(7))
        r.expect((filters, rows, cols, stride_y, stride_x), (layer[1], layer[2], layer[2], layer[3], layer[3]), "conv")
        r.expect((pad_y, pad_x), (0, 0) if layer[3] != 1 else (rows // 2, cols // 2), "conv padding")
        shape, _ = r.alias(), r.alias()
        [r.float() for _ in range(4)]  # learning-rate and weight-decay multipliers
        n = int(np.prod(shape))
        return params[:n].reshape(shape), params[n:]
    if kind == "affine":
        params = r.tensor().reshape(-1)
        gamma, _ = r.alias(), r.alias()
        r.int()  # mode: per channel
        n = int(np.prod(gamma))
        return params[:n], params[n:]
    if kind in ("max_pool", "avg_pool", "avg_pool_all"):
        found = tuple(r.int() for _ in range(6))  # rows, cols, stride y, stride x, padding y, x
        k, s = layer[1:] if kind != "avg_pool_all" else (0, 1)
        r.expect(found, (k, k, s, s, 0, 0), kind)
        return None
    if kind == "fc":
        outputs, inputs = r.int(), r.int()
        weights = r.tensor()
        r.alias(), r.alias()
        r.expect(r.int(), 1, "fc bias mode (no bias)")
        [r.float() for _ in range(4)]
        return weights.reshape(inputs, outputs)
    return None  # relu, add_prev: no parameters


def graph(data: bytes) -> bytes:
    """The ONNX model (serialized) of dlib's network in `data`: input `chips`, uint8 [n, 150, 150,
    3] RGB (as dlib.get_face_chips gives them), output `descriptor`, float32 [n, 128]. Each affine
    (frozen batch-norm) layer is folded into the convolution before it.
    """
    from onnx import TensorProto, helper, numpy_helper

    means, layers, params = read(data)
    nodes: list = []
    weights: list = []
    shapes: dict[str, tuple] = {}  # channels, rows, columns of each value
    tags: dict[str, str] = {}

    def add(op, inputs, shape, **attrs):
        name = f"v{len(nodes)}"
        nodes.append(helper.make_node(op, inputs, [name], **attrs))
        shapes[name] = shape
        return name

    def const(array, prefix):
        name = f"{prefix}{len(weights)}"
        weights.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    # dlib's input layer: (value - channel mean) / 256, planes R, G, B
    x = add("Cast", ["chips"], (), to=TensorProto.FLOAT)
    x = add("Sub", [x, const(np.array(means, np.float32).reshape(1, 1, 1, 3), "means")], ())
    x = add("Mul", [x, const(np.array(1 / 256, np.float32), "scale")], ())
    x = add("Transpose", [x], (3, SIZE, SIZE), perm=[0, 3, 1, 2])
    for i, layer in enumerate(layers):
        kind, p = layer[0], params[i]
        c, h, w = shapes[x]
        if kind == "con":
            gamma, beta = params[i + 1]  # the affine layer that follows every convolution
            filters = (p[0] * gamma[:, None, None, None]).astype(np.float32)
            bias = (p[1] * gamma + beta).astype(np.float32)
            k, s = layer[2], layer[3]
            pad = k // 2 if s == 1 else 0
            shape = (layer[1], (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1)
            x = add("Conv", [x, const(filters, "w"), const(bias, "b")], shape,
                    kernel_shape=[k, k], strides=[s, s], pads=[pad] * 4)  # fmt: skip
        elif kind == "relu":
            x = add("Relu", [x], (c, h, w))
        elif kind in ("max_pool", "avg_pool"):
            k, s = layer[1], layer[2]
            op = "MaxPool" if kind == "max_pool" else "AveragePool"
            x = add(op, [x], (c, (h - k) // s + 1, (w - k) // s + 1), kernel_shape=[k, k], strides=[s, s])
        elif kind.startswith("tag"):
            tags[kind] = x
        elif kind == "skip":
            x = tags[layer[1]]
        elif kind == "add_prev":
            # dlib adds tensors of different sizes over the larger one, the smaller zero-extended
            # at its end (more channels after a downsampling block; 4x4 beside 3x3 rows/columns)
            other = tags[layer[1]]
            full = tuple(max(a, b) for a, b in zip(shapes[x], shapes[other], strict=True))
            padded = []
            for v in (x, other):
                if shapes[v] != full:
                    grow = [0, 0, 0, 0, 0, *(f - s for f, s in zip(full, shapes[v], strict=True))]
                    v = add("Pad", [v, const(np.array(grow, np.int64), "pad")], full)
                padded.append(v)
            x = add("Add", padded, full)
        elif kind == "avg_pool_all":
            x = add("Flatten", [add("GlobalAveragePool", [x], (c, 1, 1))], (c, 1, 1))
        elif kind == "fc":
            nodes.append(helper.make_node("MatMul", [x, const(p.astype(np.float32), "fc")], ["descriptor"]))
    net = helper.make_graph(
        nodes,
        "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chips", TensorProto.UINT8, ["n", SIZE, SIZE, 3])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["n", 128])],
        weights,
    )
    model = helper.make_model(net, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # readable by ONNX Runtime releases from 1.14 on
    return model.SerializeToString()


def model_bytes(path: str) -> bytes:
    """The ONNX model of the dlib model file at `path` (~0.5 s; not kept: a worker builds its
    session once, and the bytes would hold 22 MB for nothing)."""
    with open(path, "rb") as f:
        return graph(f.read())


class Session:
    """The network on ONNX Runtime, one thread (worker processes fill the cores)."""

    def __init__(self, path: str):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(model_bytes(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, chips: np.ndarray) -> np.ndarray:
        """Descriptors, float32 [n, 128], of RGB chips, uint8 [n, 150, 150, 3]."""
        return self.session.run(None, {"chips": np.ascontiguousarray(chips, dtype=np.uint8)})[0]
