package dev.unideploy.image.vmdk;

import dev.unideploy.image.ImageFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses a VMDK text descriptor (embedded or separate): its {@code key=value} settings and its
 * extent lines ({@code RW 2097152 FLAT "disk-flat.vmdk" 0}). Only parses: what is allowed is
 * decided by {@link VmdkReader}.
 */
final class VmdkDescriptorParser {

  /** One extent line: access, size and offset in sectors, type, and the quoted file name. */
  record ExtentLine(String access, long sectors, String type, String fileName, long offset) {}

  /** The parsed descriptor. */
  record Descriptor(Map<String, String> settings, List<ExtentLine> extents) {
    String createType() {
      return settings.getOrDefault("createType", "");
    }
  }

  private VmdkDescriptorParser() {}

  static boolean looksLikeDescriptor(String text) {
    return text.startsWith("# Disk DescriptorFile");
  }

  static Descriptor parse(Path path, String text, long at) throws ImageFormatException {
    Map<String, String> settings = new LinkedHashMap<>();
    List<ExtentLine> extents = new ArrayList<>();
    int lineNo = 0;
    for (String raw : text.split("\n", -1)) {
      lineNo++;
      String line = raw.strip();
      int nul = line.indexOf('\0');
      if (nul >= 0) {
        line = line.substring(0, nul).strip(); // padding after an embedded descriptor
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String upper = line.toUpperCase(Locale.ROOT);
      if (upper.startsWith("RW ") || upper.startsWith("RDONLY ") || upper.startsWith("NOACCESS ")) {
        extents.add(parseExtent(path, line, at, lineNo));
      } else {
        int eq = line.indexOf('=');
        if (eq > 0) {
          String value = line.substring(eq + 1).strip();
          if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
          }
          settings.put(line.substring(0, eq).strip(), value);
        }
      }
    }
    return new Descriptor(settings, extents);
  }

  private static ExtentLine parseExtent(Path path, String line, long at, int lineNo)
      throws ImageFormatException {
    int q1 = line.indexOf('"');
    int q2 = q1 < 0 ? -1 : line.indexOf('"', q1 + 1);
    String[] head = (q1 < 0 ? line : line.substring(0, q1)).trim().split("\\s+");
    try {
      if (head.length == 3 && q1 < 0) {
        return new ExtentLine(head[0], Long.parseLong(head[1]), head[2], null, 0);
      }
      if (head.length != 3 || q2 < 0) {
        throw new NumberFormatException("expected ACCESS SECTORS TYPE \"FILE\" [OFFSET]");
      }
      String rest = line.substring(q2 + 1).trim();
      long offset = rest.isEmpty() ? 0 : Long.parseLong(rest.split("\\s+")[0]);
      long sectors = Long.parseLong(head[1]);
      if (sectors < 0 || offset < 0) {
        throw new NumberFormatException("negative size or offset");
      }
      return new ExtentLine(head[0], sectors, head[2], line.substring(q1 + 1, q2), offset);
    } catch (NumberFormatException e) {
      throw ImageFormatException.at(
          path,
          "VMDK descriptor line " + lineNo,
          at,
          "cannot parse the extent line (" + e.getMessage() + "); fix or recreate the descriptor");
    }
  }
}
