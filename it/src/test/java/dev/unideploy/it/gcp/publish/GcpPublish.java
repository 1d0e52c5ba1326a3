package dev.unideploy.it.gcp.publish;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.it.gcp.FakeGcs;
import dev.unideploy.it.gcp.GceFake;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.provider.gcp.GcpProvider;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Real publishes against fake-gcs-server and the Compute Engine fake: a unideploy.yaml pointing the
 * gcp provider at them, small raw disks, and the pipeline driving the provider; plus reads of what
 * was made, straight from the fakes' REST APIs.
 */
final class GcpPublish {
  final GceFake gce = GceFake.fromEnv();
  final FakeGcs gcs = FakeGcs.fromEnv();
  final String project = GceFake.newProject("pub");
  final String bucket = gcs.newBucket("staging");

  /** An app name no other test uses. */
  static String uniqueApp(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The gcp section every test config starts from; {@code extra} is appended, indented. */
  String yaml(String app, String version, String publish, String extra) {
    return yaml(app, version, publish, extra, gcs.root());
  }

  String yaml(String app, String version, String publish, String extra, URI storage) {
    return "app: "
        + app
        + "\nversion: \""
        + version
        + "\"\n"
        + (publish == null ? "" : "publish:\n" + publish.strip().indent(2))
        + "providers:\n  gcp:\n"
        + ("project: "
                + project
                + "\nbucket: "
                + bucket
                + "\ncredentials: none\nendpoints:\n  compute: \""
                + gce.root()
                + "\"\n  storage: \""
                + storage
                + "\"\ntimeouts:\n  pollInterval: 50ms\nupload:\n  chunkMiB: 1\n"
                + (extra == null ? "" : extra.strip() + "\n"))
            .indent(4);
  }

  static DeployConfig config(Path dir, String yaml) throws IOException {
    Path file = dir.resolve("unideploy-" + UUID.randomUUID() + ".yaml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file);
  }

  /**
   * A raw disk of {@code mib} MiB: seeded random data in about a quarter of it (1 MiB runs), the
   * rest holes; different seeds give different content hashes.
   */
  static Path disk(Path dir, long seed, int mib) throws IOException {
    Path file = dir.resolve("disk-" + seed + "-" + mib + ".img");
    Random r = new Random(seed);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(0);
      f.setLength((long) mib << 20);
      byte[] data = new byte[1 << 20];
      for (int i = 0; i < mib; i++) {
        if (i == 0 || r.nextInt(4) == 0) {
          r.nextBytes(data);
          f.seek((long) i << 20);
          f.write(data);
        }
      }
    }
    return file;
  }

  /** What one publish produced, and what it said. */
  record Run(PublishResult result, RecordingEventSink events) {
    String log() {
      StringBuilder sb = new StringBuilder();
      events.events().forEach(e -> sb.append(e).append('\n'));
      return sb.toString();
    }
  }

  Run publish(DeployConfig config, Path disk, Path workDir) throws IOException {
    return publish(config, disk, workDir, new MemoryJournal(), false);
  }

  Run publish(DeployConfig config, Path disk, Path workDir, Journal journal, boolean dryRun)
      throws IOException {
    RecordingEventSink events = new RecordingEventSink();
    ProviderContext context =
        new ProviderContext(config, events, journal, workDir, Clock.systemUTC());
    ImagePublisher publisher = new GcpProvider().publisher(context);
    try (DiskImage image = ImageReaders.open(disk)) {
      PublishResult result =
          new PublishPipeline("gcp", publisher, context, workDir.toString())
              .publish(image, disk, new PublishPipeline.Options(null, dryRun));
      return new Run(result, events);
    } finally {
      if (publisher instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  String images() {
    return "/compute/v1/projects/" + project + "/global/images";
  }

  JsonNode image(String name) {
    return gce.get(images() + "/" + name).ok().body();
  }

  /** Every image in the project, by name. */
  List<String> imageNames() {
    List<String> names = new ArrayList<>();
    gce.get(images()).ok().body().path("items").forEach(i -> names.add(i.path("name").asText()));
    return names;
  }

  /** The API calls made for this project whose method is one of {@code methods}. */
  List<JsonNode> calls(String... methods) {
    List<String> wanted = List.of(methods);
    return gce.requests(project).stream()
        .filter(r -> wanted.contains(r.path("method").asText()))
        .toList();
  }
}
