package dev.unideploy.provider.gcp.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.nio.file.Path;

/**
 * How the Compute Engine tarball is made and sent: chunk size of the resumable upload, size of the
 * parts that are composed into the object, sparse tar or gzip'd zeroes, gzip level, compression
 * threads, and an optional copy of the tarball.
 */
public record GcpUploadSettings(
    @JsonProperty("chunkMiB") Integer chunkMiB,
    @JsonProperty("partMiB")
        @JsonPropertyDescription(
            "Size of the temporary part objects the tarball is uploaded as, then composed into"
                + " one; a multiple of chunkMiB. A run on another machine resumes at a part."
                + " Grown automatically so that no tarball needs more than 1024 parts.")
        Integer partMiB,
    @JsonProperty("sparse") Boolean sparse,
    @JsonProperty("compressionLevel") Integer compressionLevel,
    @JsonProperty("threads")
        @JsonPropertyDescription("Gzip threads; default: one per core, at most 8.")
        Integer threads,
    @JsonProperty("saveTarball") Path saveTarball) {

  @JsonCreator
  public GcpUploadSettings {
    // Resumable uploads take chunks in multiples of 256 KiB; Google recommends at least 8 MiB
    // (https://cloud.google.com/storage/docs/performing-resumable-uploads#chunked-upload). Each
    // chunk is one request, and two chunk buffers are held (one sent, one filled): 32 MiB halves
    // the requests of 16 for 64 MiB of memory (bench/gcp-upload.sh measured both).
    chunkMiB = chunkMiB == null ? 32 : chunkMiB;
    if (chunkMiB < 1 || chunkMiB > 512) {
      throw new IllegalArgumentException(
          "upload.chunkMiB must be between 1 and 512 (MiB per request), was " + chunkMiB);
    }
    // A runner that dies loses at most the part in flight to a fresh runner (the same runner
    // resumes mid-part): 64 MiB is two default chunks, and a few seconds on a CI network.
    partMiB = partMiB == null ? Math.max(64, chunkMiB) : partMiB;
    if (partMiB < chunkMiB || partMiB % chunkMiB != 0 || partMiB > 65536) {
      throw new IllegalArgumentException(
          "upload.partMiB must be a multiple of upload.chunkMiB ("
              + chunkMiB
              + ") up to 65536, was "
              + partMiB
              + "; set it to a multiple of the chunk size or leave it out");
    }
    sparse = sparse == null || sparse;
    compressionLevel = compressionLevel == null ? 6 : compressionLevel;
    if (compressionLevel < 1 || compressionLevel > 9) {
      throw new IllegalArgumentException(
          "upload.compressionLevel must be a gzip level from 1 to 9, was " + compressionLevel);
    }
    // Absent stays absent (one thread per core, see gzipThreads): a default that depends on the
    // machine would make the generated config schema differ from one machine to the next.
    if (threads != null && (threads < 1 || threads > 64)) {
      throw new IllegalArgumentException("upload.threads must be between 1 and 64, was " + threads);
    }
  }

  public static GcpUploadSettings defaults() {
    return new GcpUploadSettings(null, null, null, null, null, null);
  }

  /** The gzip threads: {@code threads}, or one per core, at most 8. */
  public int gzipThreads() {
    return threads != null
        ? threads
        : Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
  }

  public int chunkBytes() {
    return chunkMiB << 20;
  }

  /** The configured part size; the upload may grow it for a large disk (see PartPlan). */
  public long partBytes() {
    return (long) partMiB << 20;
  }
}
