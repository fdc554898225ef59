package io.dpft.core.tasks;

import io.dpft.core.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A fine-tuning run as a task's builder made it ({@link TextClassifierTraining}, {@link
 * ImageClassifierTraining}, {@link GeneratorTraining}), its settings checked: {@link #run()}
 * trains it.
 */
public final class Training {
  /** A task's job ({@link TextClassificationJob#run} and the like) with its model and data bound. */
  @FunctionalInterface
  interface Job {
    FineTuningRun.Result run(
        FineTuningRun.Settings settings, Path runDirectory, boolean resume,
        TrainingListener listener) throws IOException;
  }

  private final Job job;
  private final FineTuningRun.Settings settings;
  private final Path runDirectory;
  private final boolean resume;
  private final TrainingListener listener;

  Training(Job job, FineTuningRun.Settings settings, Path runDirectory, boolean resume,
      TrainingListener listener) {
    this.job = job;
    this.settings = settings;
    this.runDirectory = runDirectory;
    this.resume = resume;
    this.listener = listener;
  }

  /** How the run trains: a batch size, epochs or learning rate of 0 is the {@link Recipe}'s. */
  public FineTuningRun.Settings settings() {
    return settings;
  }

  /**
   * Trains (or resumes) the run in its run directory, reporting each phase, step and early stop
   * to the listener; what a task's job does ({@link FineTuningRun#run}).
   */
  public FineTuningRun.Result run() throws IOException {
    return job.run(settings, runDirectory, resume, listener);
  }
}
