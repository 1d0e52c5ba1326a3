package dev.unideploy.provider.aws.fleet;

import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.call.AwsCallException;
import dev.unideploy.provider.aws.clients.AwsClients;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An instance's serial console through GetConsoleOutput, read incrementally by byte offset. EC2
 * answers with the newest output (up to 64 KiB) each time; {@link ConsoleWindow} places each answer
 * in the whole console, so that offsets stay stable once the output outgrows 64 KiB.
 *
 * <p>{@code Latest=true} returns the most recent output on Nitro instances, the only kind an AMI
 * with ENA runs on; other types refuse it, and the default (output buffered by EC2 for a few
 * minutes) is used from then on
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetConsoleOutput.html).
 */
final class ConsoleReader {
  private final AwsClients clients;
  private final AwsCall calls;
  private final String region;
  private final Map<String, ConsoleWindow> windows = new ConcurrentHashMap<>();
  private volatile boolean latestSupported = true;

  ConsoleReader(AwsClients clients, AwsCall calls, String region) {
    this.clients = clients;
    this.calls = calls;
    this.region = region;
  }

  ConsoleChunk read(String instanceId, long from) {
    ConsoleWindow.Placed placed =
        windows.computeIfAbsent(instanceId, id -> new ConsoleWindow()).place(output(instanceId));
    // Past the end: the console began again (a restarted instance), so all of it is new. Before
    // the start: what was printed between two reads beyond 64 KiB is lost, as it is on EC2.
    long at = from > placed.end() ? placed.start() : Math.max(from, placed.start());
    byte[] chunk = placed.from(at);
    // A character cut by the end of the output so far waits for the next read.
    int keep = chunk.length - partialUtf8Tail(chunk);
    return new ConsoleChunk(new String(chunk, 0, keep, StandardCharsets.UTF_8), at + keep);
  }

  private byte[] output(String instanceId) {
    if (latestSupported) {
      try {
        return decode(get(instanceId, true));
      } catch (AwsCallException e) {
        if (!"UnsupportedOperation".equals(e.errorCode())
            && !"InvalidParameterCombination".equals(e.errorCode())) {
          throw e;
        }
        latestSupported = false;
      }
    }
    return decode(get(instanceId, false));
  }

  private String get(String instanceId, boolean latest) {
    return calls.call(
        region,
        "GetConsoleOutput",
        () ->
            clients
                .ec2(region)
                .getConsoleOutput(r -> r.instanceId(instanceId).latest(latest))
                .output());
  }

  private static byte[] decode(String base64) {
    if (base64 == null || base64.isEmpty()) {
      return new byte[0];
    }
    return Base64.getMimeDecoder().decode(base64);
  }

  private static int partialUtf8Tail(byte[] b) {
    for (int back = 1; back <= Math.min(4, b.length); back++) {
      int c = b[b.length - back] & 0xff;
      if ((c & 0xC0) == 0x80) {
        continue;
      }
      int need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
      return need > back ? back : 0;
    }
    return 0;
  }
}
