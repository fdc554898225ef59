package io.dpft.core.dp.norms;

import io.dpft.core.nn.OpenBlasThreads;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The per-sample Gram matrices x_i x_iᵀ (B, T, T) that one step's ghost norms take, each formed
 * once. Calls that read one tensor share its Gram: attention's query, key and value projections
 * read one input, and the position and token-type embeddings get one output gradient, so the
 * second and third of them find it formed (2 of the 12 Grams of a BERT block). Such calls are
 * adjacent in the engine's parameter order, so only the {@value #CAPACITY} Grams used last are
 * kept.
 *
 * <p>A tensor is recognised by its memory: data pointer, shape, strides and version counter (an
 * in-place change bumps the version). The memo holds a handle on every tensor it remembers, so
 * that memory cannot be freed and reused by another tensor while remembered; callers get handles
 * of their own, so a Gram stays valid after the memo lets it go.
 *
 * <p>Only the upper triangle is formed, the lower one left zero, by one {@code cblas_ssyrk} per
 * sample for float32 (half of {@code bmm}'s multiply-adds), the samples split between as many
 * Java threads as libtorch has intra-op threads, each running OpenBLAS single-threaded. libtorch's
 * {@code bmm} runs one sample after another, each on OpenBLAS's threads, and a T×T Gram is too
 * small for that to pay (docs/performance.md). Calls from several threads into
 * OpenBLAS's thread pool contend, so OpenBLAS, the library libtorch links, is set to one thread
 * while a {@code Grams} is open: the engine's norm pass, where the Grams are nearly all of the BLAS
 * work. It is set once per pass, not per Gram, because each change parks and wakes the pool's
 * threads. {@link #close()} gives OpenBLAS the thread count it had ({@link OpenBlasThreads}).
 * {@link #innerProducts} gives the products of two such Grams over all T² entries.
 */
public final class Grams implements AutoCloseable {
  /** Grams kept: a call's two factors and the one the next call shares. */
  static final int CAPACITY = 3;

  private final Deque<Remembered> recent = new ArrayDeque<>();

  private final int blasThreads = OpenBlasThreads.count();

  /** Sets OpenBLAS to one thread until {@link #close()}. */
  public Grams() {
    openblas.blas_set_num_threads(1);
  }

  /** A tensor (held), its version and strides then, and the upper triangle of its Gram. */
  private record Remembered(Tensor factor, long version, long[] strides, Tensor gram) {
    boolean isOf(Tensor x) {
      return factor.data_ptr().address() == x.data_ptr().address()
          && version == x._version()
          && Arrays.equals(factor.shape(), x.shape())
          && Arrays.equals(strides, x.strides().vec().get());
    }

    void release() {
      factor.releaseReference();
      gram.releaseReference();
    }
  }

  /**
   * The upper triangle of x_i x_iᵀ for a (B, T, n) {@code x}, zeros below the diagonal: (B, T, T),
   * a new handle in the caller's scope; formed unless one of the last Grams was of the same
   * tensor.
   */
  public Tensor upper(Tensor x) {
    for (Iterator<Remembered> it = recent.iterator(); it.hasNext(); ) {
      Remembered r = it.next();
      if (r.isOf(x)) {
        it.remove();
        recent.addFirst(r);
        return new Tensor(r.gram);
      }
    }
    Tensor gram = formUpper(x);
    Tensor factor = new Tensor(x);
    factor.retainReference();
    gram.retainReference();
    recent.addFirst(new Remembered(factor, x._version(), x.strides().vec().get(), gram));
    if (recent.size() > CAPACITY) {
      recent.removeLast().release();
    }
    return new Tensor(gram);
  }

  /**
   * Σ_{t,s} P_{i,ts}·Q_{i,ts} for every sample i, of two symmetric (B, T, T) matrices of which at
   * least one is given as its {@link #upper} triangle and the other as its upper triangle or in
   * full: the product P∘Q is then the upper triangle of the full one, whose sum over all entries
   * is twice the sum over the triangle less the diagonal.
   */
  public static Tensor innerProducts(Tensor p, Tensor q) {
    Tensor product = p.mul(q);
    Tensor diagonal = torch.diagonal(product, 0, 1, 2)
        .sum(new long[] {1}, false, new ScalarTypeOptional());
    return product.sum(new long[] {1, 2}, false, new ScalarTypeOptional())
        .mul_(new Scalar(2.0)).sub_(diagonal);
  }

  /** Lets every remembered tensor and Gram go; OpenBLAS gets back its thread count. */
  @Override
  public void close() {
    recent.forEach(Remembered::release);
    recent.clear();
    openblas.blas_set_num_threads(Math.max(1, blasThreads));
  }

  private static Tensor formUpper(Tensor x) {
    if (x.scalar_type().intern() != torch.ScalarType.Float || !x.device().is_cpu()) {
      return torch.bmm(x, x.transpose(1, 2)).triu_();
    }
    Tensor rows = x.contiguous();
    int b = (int) rows.size(0);
    int t = (int) rows.size(1);
    int n = (int) rows.size(2);
    Tensor gram = torch.zeros(b, t, t);
    int threads = Math.max(1, Math.min(b, torch.get_num_threads()));
    IntStream.range(0, threads).parallel().forEach(thread -> {
      // pointers of this thread's own (position() changes the object); they own no memory
      FloatPointer in = rows.data_ptr_float();
      FloatPointer out = gram.data_ptr_float();
      for (int i = b * thread / threads; i < b * (thread + 1) / threads; i++) {
        openblas.cblas_ssyrk(openblas.CblasRowMajor, openblas.CblasUpper, openblas.CblasNoTrans,
            t, n, 1f, in.position((long) i * t * n), n, 0f, out.position((long) i * t * t), t);
      }
    });
    return gram;
  }
}
