package io.dpft.core.io.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.dpft.core.io.onnx.OnnxProto.AttributeProto;
import io.dpft.core.io.onnx.OnnxProto.GraphProto;
import io.dpft.core.io.onnx.OnnxProto.ModelProto;
import io.dpft.core.io.onnx.OnnxProto.NodeProto;
import io.dpft.core.io.onnx.OnnxProto.TensorProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ONNX graph indexed for walking: initializers and {@code Constant} outputs by value name,
 * the node producing each value and the nodes consuming it. Only what the BERT converter needs.
 */
final class OnnxGraph {
  private final Path file;
  private final List<TensorProto> initializers;
  private final Map<String, TensorProto> constants = new HashMap<>();
  private final Map<String, NodeProto> producers = new HashMap<>();
  private final Map<String, List<NodeProto>> consumers = new HashMap<>();

  private OnnxGraph(Path file, GraphProto graph) {
    this.file = file;
    this.initializers = graph.getInitializerList();
    for (TensorProto t : initializers) {
      constants.put(t.getName(), t);
    }
    for (NodeProto node : graph.getNodeList()) {
      for (String output : node.getOutputList()) {
        producers.put(output, node);
      }
      for (String input : node.getInputList()) {
        consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(node);
      }
      if (node.getOpType().equals("Constant")) {
        attribute(node, "value")
            .ifPresent(a -> constants.put(node.getOutput(0), a.getT()));
      }
    }
  }

  /**
   * Parses an ONNX model file (protobuf {@code ModelProto}). The file is read into one array
   * and parsed with aliasing, so tensor bytes are views of that array, not second copies.
   */
  static OnnxGraph read(Path file) throws IOException {
    CodedInputStream in = UnsafeByteOperations.unsafeWrap(Files.readAllBytes(file)).newCodedInput();
    in.enableAliasing(true);
    in.setSizeLimit(Integer.MAX_VALUE);
    try {
      ModelProto model = ModelProto.parseFrom(in);
      if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
        throw new IllegalArgumentException(file + ": not an ONNX model (no graph)");
      }
      return new OnnxGraph(file, model.getGraph());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(file + ": not an ONNX model: " + e.getMessage(), e);
    }
  }

  Path file() {
    return file;
  }

  /** The graph's initializers, in file order. */
  List<TensorProto> initializers() {
    return initializers;
  }

  /** The tensor behind value {@code name} if it is an initializer or a {@code Constant}. */
  Optional<TensorProto> constant(String name) {
    return Optional.ofNullable(constants.get(name));
  }

  Optional<NodeProto> producer(String value) {
    return Optional.ofNullable(producers.get(value));
  }

  List<NodeProto> consumers(String value) {
    return consumers.getOrDefault(value, List.of());
  }

  static Optional<AttributeProto> attribute(NodeProto node, String name) {
    return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst();
  }

  static long[] dims(TensorProto t) {
    return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
  }

  static long numel(TensorProto t) {
    long n = 1;
    for (long d : t.getDimsList()) {
      n *= d;
    }
    return n;
  }

  /** The little-endian float32 bytes of a FLOAT tensor, stored as raw_data or float_data. */
  ByteBuffer floatBytes(TensorProto t) {
    requireEmbedded(t, TensorProto.DataType.FLOAT_VALUE);
    ByteBuffer bytes;
    if (t.hasRawData()) {
      bytes = t.getRawData().asReadOnlyByteBuffer();
    } else {
      bytes = ByteBuffer.allocate(t.getFloatDataCount() * Float.BYTES)
          .order(ByteOrder.LITTLE_ENDIAN);
      t.getFloatDataList().forEach(bytes::putFloat);
      bytes.flip();
    }
    if (bytes.remaining() != numel(t) * Float.BYTES) {
      throw new IllegalArgumentException(file + ": initializer '" + t.getName() + "' of shape "
          + t.getDimsList() + " holds " + bytes.remaining() + " bytes");
    }
    return bytes.order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The values of an INT64 tensor, stored as raw_data or int64_data. */
  long[] longs(TensorProto t) {
    requireEmbedded(t, TensorProto.DataType.INT64_VALUE);
    if (!t.hasRawData()) {
      return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }
    long[] values = new long[t.getRawData().size() / Long.BYTES];
    t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer()
        .get(values);
    return values;
  }

  /** The value of a FLOAT tensor with exactly one element. */
  Optional<Float> scalarFloat(TensorProto t) {
    if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE || numel(t) != 1) {
      return Optional.empty();
    }
    ByteBuffer bytes = floatBytes(t);
    return Optional.of(bytes.getFloat(bytes.position()));
  }

  private void requireEmbedded(TensorProto t, int dataType) {
    if (t.getDataType() != dataType) {
      throw new IllegalArgumentException(file + ": tensor '" + t.getName() + "' has ONNX data type "
          + t.getDataType() + ", expected " + dataType);
    }
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      throw new IllegalArgumentException(file + ": tensor '" + t.getName()
          + "' is stored as external data, which the converter does not read; re-export the"
          + " model with all weights inside the .onnx file");
    }
  }
}
