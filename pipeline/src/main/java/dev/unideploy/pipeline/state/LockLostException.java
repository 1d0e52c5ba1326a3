package dev.unideploy.pipeline.state;

import dev.unideploy.pipeline.UnideployException;

/**
 * This run no longer holds its app's deploy lock (its lease ran out, or another run forced it
 * away): it stops before its next change, because another run may now be changing the same app.
 */
public final class LockLostException extends UnideployException {
  private static final long serialVersionUID = 1L;

  public LockLostException(String app, String why) {
    super(
        "this run lost the deploy lock of app '"
            + app
            + "' ("
            + why
            + ") and stopped before its next step: check whether another run is deploying it"
            + " now; once none is, re-run to resume from the journal");
  }
}
