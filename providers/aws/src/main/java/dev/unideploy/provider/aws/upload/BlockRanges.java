package dev.unideploy.provider.aws.upload;

import java.util.BitSet;

/**
 * Writes a set of block indexes as compact ranges ({@code "0-63,70,72-80"}) for the journal, and
 * reads them back; an upload of thousands of blocks then takes a few short journal lines.
 */
final class BlockRanges {
  private BlockRanges() {}

  static String format(BitSet blocks) {
    StringBuilder out = new StringBuilder();
    int start = blocks.nextSetBit(0);
    while (start >= 0) {
      int end = blocks.nextClearBit(start) - 1;
      if (out.length() > 0) {
        out.append(',');
      }
      out.append(start);
      if (end > start) {
        out.append('-').append(end);
      }
      start = blocks.nextSetBit(end + 1);
    }
    return out.toString();
  }

  /** Adds the ranges in {@code text} to {@code into}; fails naming the bad part. */
  static void parseInto(String text, BitSet into) {
    if (text == null || text.isEmpty()) {
      return;
    }
    for (String part : text.split(",")) {
      try {
        int dash = part.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
        if (from < 0 || to < from) {
          throw new NumberFormatException("reversed or negative range");
        }
        into.set(from, to + 1);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "journal block range '" + part + "' is malformed (" + e.getMessage() + ")", e);
      }
    }
  }
}
