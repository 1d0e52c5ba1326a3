package dev.unideploy.image.write;

/**
 * What a writer produced.
 *
 * @param outputBytes the length of the output file
 * @param outputVirtualSize the virtual size the output declares (rounded up where the format or the
 *     cloud requires: whole sectors, MiB for Azure VHD, GiB for GCE)
 */
public record WriteResult(long outputBytes, long outputVirtualSize) {}
