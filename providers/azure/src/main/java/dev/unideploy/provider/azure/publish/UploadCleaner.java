package dev.unideploy.provider.azure.publish;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.core.Lro;
import java.time.Clock;

/**
 * Deletes the upload behind an image version (named in its {@code unideploy:upload} tag): the
 * managed disk by its resource id, or the page blob by its URL. Used when a version goes, by
 * retention or by {@code images delete}; a failure is reported and the run goes on.
 */
final class UploadCleaner {
  private final AzureClients clients;
  private final AzureSettings settings;
  private final EventSink events;
  private final Clock clock;

  UploadCleaner(AzureClients clients, EventSink events, Clock clock) {
    this.clients = clients;
    this.settings = clients.settings();
    this.events = events;
    this.clock = clock;
  }

  /** Deletes {@code handle}; returns whether it is gone. */
  boolean delete(String handle, String step) {
    if (handle.startsWith("/subscriptions/")) {
      String name = handle.substring(handle.lastIndexOf('/') + 1);
      try {
        Lro.await(
            clients.compute().getDisks().beginDelete(settings.requireResourceGroup(), name),
            "deleting disk " + name,
            settings.waits().operation(),
            settings.waits().pollInterval());
        return true;
      } catch (UnideployException e) {
        events.emit(LogEvent.warn(step, "kept disk " + name + ": " + e.getMessage()));
        return false;
      }
    }
    new PageBlobUpload(clients, events, clock).delete(handle);
    return true;
  }
}
