package io.dpft.core.train;

/**
 * Computes the clipped per-sample gradient sum of a logical batch outside the trainer's process
 * (dpft-spark: on Spark executors), so that a distributed run keeps everything else of a
 * single-process run: the trainer samples the batch's example indices, this returns their clipped
 * sum under the trainer's model as it stands, and the trainer adds the noise once, steps the
 * optimizer, charges the ledger and checkpoints ({@link Trainer#remote}).
 */
public interface RemoteClipping extends AutoCloseable {

  /** N, the training examples it computes on, indexed as the trainer samples them ([0, N)). */
  int size();

  /** Where the sums are computed, as {@code config.json} records it (e.g. "spark local[2]"). */
  String executors();

  /**
   * The clipped gradient sum of examples {@code indices} under the current values of the
   * trainer's model, one flat array per trainable parameter in the model's order (that of
   * {@link io.dpft.core.dp.DpSgdEngine#parameters()}), and their summed loss.
   */
  Sums clippedSums(long step, int[] indices);

  /** What a logical batch adds up to: clipped gradient sums and the summed loss. */
  record Sums(float[][] sums, double lossSum) {
    public Sums {
      if (sums == null) {
        throw new IllegalArgumentException("the sums must be given");
      }
    }
  }

  /** Releases what the computation holds (a cached dataset, say). */
  @Override
  void close();
}
