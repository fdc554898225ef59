package io.dpft.core.nn;

import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Tensor;

/** Calls a libtorch operator that Bytedeco does not bind, through the dispatcher's boxed stack. */
final class BoxedOps {
  private static final Dispatcher DISPATCHER = Dispatcher.singleton();

  private BoxedOps() {}

  /** {@code op}'s first {@code results} results, each a handle of its own. */
  static Tensor[] call(OperatorHandle op, int results, IValue... arguments) {
    IValueVector stack = new IValueVector(arguments);
    DISPATCHER.callBoxed(op, stack);
    Tensor[] out = new Tensor[results];
    for (int i = 0; i < results; i++) {
      // toTensor() points into the stack: copy the handle so the result owns its tensor
      out[i] = new Tensor(stack.get(i).toTensor());
    }
    return out;
  }
}
