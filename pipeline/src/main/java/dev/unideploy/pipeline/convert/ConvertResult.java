package dev.unideploy.pipeline.convert;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What {@code unideploy convert} wrote.
 *
 * @param inputDataBytes the bytes of the input that hold data (the rest are holes or zeroes)
 * @param outputVirtualSize the output's virtual size (padded for formats that need it: whole MiB
 *     for VHD, whole GiB for the GCE tarball)
 * @param outputBytes the size of the file written
 * @param contentHash the content hash of the virtual disk (the image's identity, as {@code publish}
 *     computes it: a SHA-256 over its non-zero 64 KiB chunks), or null when not asked for
 * @param sha256 the plain SHA-256 of the whole virtual disk, or null when not asked for
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConvertResult(
    String input,
    String inputFormat,
    String output,
    String outputFormat,
    long virtualSize,
    long inputDataBytes,
    long outputVirtualSize,
    long outputBytes,
    String contentHash,
    String sha256,
    double elapsedSeconds) {}
