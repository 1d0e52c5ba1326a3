package dev.unideploy.it.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.gce.GceTarballWriter;
import dev.unideploy.sample.SampleUnikernel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** Compute Engine tarballs of test disks, and images made from them in the fake. */
public final class TestTarballs {
  private TestTarballs() {}

  /** The sample unikernel (prints its ready line on the serial console) as a GCE tarball. */
  public static Path sample(Path dir, String tag) {
    try {
      Path raw =
          SampleUnikernel.write(
              dir.resolve("sample-" + tag + ".raw"),
              SampleUnikernel.Options.defaults().withTag(tag));
      return tarball(raw, dir.resolve("sample-" + tag + ".tar.gz"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a raw disk as a sparse GCE tarball. */
  public static Path tarball(Path raw, Path out) {
    try (DiskImage disk = ImageReaders.open(raw);
        FileChannel ch =
            FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      new GceTarballWriter()
          .write(disk, ch, WriteOptions.defaults().withSparse(true), WriteProgress.NONE);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Uploads a tarball and imports it as an image; returns the READY image. */
  public static JsonNode image(
      GceFake gce,
      FakeGcs gcs,
      String bucket,
      String project,
      String name,
      String family,
      Path tar) {
    String object = name + ".tar.gz";
    gcs.put(bucket, object, tar);
    Map<String, Object> body =
        family == null
            ? Map.of("name", name, "rawDisk", Map.of("source", FakeGcs.sourceUrl(bucket, object)))
            : Map.of(
                "name",
                name,
                "family",
                family,
                "rawDisk",
                Map.of("source", FakeGcs.sourceUrl(bucket, object)));
    JsonNode op = gce.post("/compute/v1/projects/" + project + "/global/images", body).ok().body();
    JsonNode done = gce.done(op);
    if (done.has("error")) {
      throw new IllegalStateException("import of " + name + " failed: " + done);
    }
    return gce.get("/compute/v1/projects/" + project + "/global/images/" + name).ok().body();
  }
}
