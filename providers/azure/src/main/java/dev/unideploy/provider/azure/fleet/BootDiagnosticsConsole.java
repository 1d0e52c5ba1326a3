package dev.unideploy.provider.azure.fleet;

import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobClientBuilder;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureErrors;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An instance's serial console from its boot diagnostics: {@code retrieveBootDiagnosticsData} hands
 * out a read-only SAS URL of the serial log blob, which is read from a byte offset with a ranged
 * GET. See
 * https://learn.microsoft.com/rest/api/compute/virtual-machine-scale-set-vms/retrieve-boot-diagnostics-data.
 * The URL is kept (never logged) until shortly before it expires, so that following a console costs
 * one read, not one action plus a read.
 */
final class BootDiagnosticsConsole {
  /** Most bytes one call returns: a hostile guest's console cannot fill the heap. */
  static final int MAX_READ = 1 << 20;

  static final int SAS_MINUTES = 60;
  private static final Duration REUSE = Duration.ofMinutes(SAS_MINUTES - 10);

  private final AzureClients clients;
  private final String resourceGroup;
  private final Clock clock;
  private final Map<String, Sas> urls = new ConcurrentHashMap<>();

  private record Sas(String url, Instant until) {}

  BootDiagnosticsConsole(AzureClients clients, String resourceGroup, Clock clock) {
    this.clients = clients;
    this.resourceGroup = resourceGroup;
    this.clock = clock;
  }

  ConsoleChunk read(String scaleSet, String instanceId, long from) {
    if (from < 0) {
      throw new IllegalArgumentException("console offset must be >= 0, was " + from);
    }
    String key = scaleSet + "/" + instanceId;
    for (int attempt = 0; ; attempt++) {
      String url = url(key, scaleSet, instanceId);
      if (url == null) {
        return new ConsoleChunk("", from);
      }
      try {
        return chunk(read(url, from), from);
      } catch (BlobStorageException e) {
        int status = e.getStatusCode();
        if (status == 416 || status == 404) {
          // Nothing past the offset yet (416), or no log written yet (404).
          return new ConsoleChunk("", from);
        }
        if (status == 403 && attempt == 0) {
          urls.remove(key); // the SAS expired or was revoked: ask for a new one
          continue;
        }
        throw failure("reading the serial log of ", scaleSet, instanceId, e);
      }
    }
  }

  private String url(String key, String scaleSet, String instanceId) {
    Sas cached = urls.get(key);
    if (cached != null && clock.instant().isBefore(cached.until())) {
      return cached.url();
    }
    String url;
    try {
      url =
          clients
              .compute()
              .getVirtualMachineScaleSetVMs()
              .retrieveBootDiagnosticsDataWithResponse(
                  resourceGroup, scaleSet, instanceId, SAS_MINUTES, Context.NONE)
              .getValue()
              .serialConsoleLogBlobUri();
    } catch (RuntimeException e) {
      if (AzureErrors.notFound(e)) {
        return null; // the instance is gone: its console reads as empty
      }
      throw failure("retrieving the boot diagnostics of ", scaleSet, instanceId, e);
    }
    if (url == null) {
      return null;
    }
    urls.put(key, new Sas(url, clock.instant().plus(REUSE)));
    return url;
  }

  private byte[] read(String url, long from) {
    BlobClient blob =
        new BlobClientBuilder().endpoint(url).httpClient(clients.http()).buildClient();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    blob.downloadStreamWithResponse(
        out,
        new BlobRange(from, (long) MAX_READ),
        null,
        null,
        false,
        clients.settings().retry().callTimeout(),
        Context.NONE);
    return out.toByteArray();
  }

  private static UnideployException failure(
      String what, String scaleSet, String instanceId, RuntimeException e) {
    return new UnideployException(
        what
            + scaleSet
            + " instance "
            + instanceId
            + " failed: "
            + AzureErrors.describe(e)
            + "; "
            + AzureErrors.hint(e),
        e);
  }

  /** The text of {@code data} read at {@code from}; a character cut at the end waits for later. */
  static ConsoleChunk chunk(byte[] data, long from) {
    int n = data.length - partialUtf8Tail(data);
    return new ConsoleChunk(new String(data, 0, n, StandardCharsets.UTF_8), from + n);
  }

  /** How many bytes at the end of {@code data} begin a UTF-8 character that is not complete. */
  static int partialUtf8Tail(byte[] data) {
    for (int back = 1; back <= Math.min(4, data.length); back++) {
      int b = data[data.length - back] & 0xFF;
      if ((b & 0xC0) == 0x80) {
        continue; // a continuation byte: the lead byte is further back
      }
      int need = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
      return need > back ? back : 0;
    }
    return 0;
  }
}
