package dev.unideploy.image.write;

/**
 * Progress of a writer, in bytes of the virtual disk consumed. image-formats does not depend on the
 * pipeline's events, so the CLI and the pipeline adapt this to their ProgressEvents.
 */
@FunctionalInterface
public interface WriteProgress {

  /** Called from the writing thread, with {@code bytesDone} never decreasing. */
  void advanced(long bytesDone, long bytesTotal);

  /** Ignores progress. */
  WriteProgress NONE = (done, total) -> {};
}
