package dev.unideploy.provider.azure.upload;

import java.util.List;

/**
 * Writes pages of one page blob: the managed disk's upload SAS URL or a blob in a storage account.
 * Implementations send each call with its Content-MD5, so the service verifies every page.
 */
public interface PageWriter {

  /**
   * Writes {@code length} bytes of {@code buf} at {@code offset} (both multiples of 512, at most 4
   * MiB).
   */
  void putPages(long offset, byte[] buf, int length);

  /** The blob's written ranges, {@code {start, endExclusive}}, in order. */
  List<long[]> pageRanges();
}
