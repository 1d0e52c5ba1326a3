package dev.unideploy.provider.aws.http;

/**
 * Refuses header names and values that could split a request: a CR or LF (or any other control
 * character) in a value that unideploy puts in a header itself would let the value end the header
 * and start another (RFC 9110, section 5.5: field values hold no CR, LF or NUL).
 */
public final class HeaderValues {
  private HeaderValues() {}

  /**
   * {@code value}, when it is safe to send as the value of header {@code name}.
   *
   * @throws IllegalArgumentException naming the header, when the name or value holds a control
   *     character
   */
  public static String checked(String name, String value) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == ':') {
        throw new IllegalArgumentException(
            "header name " + printable(name) + " holds a character a header name cannot hold");
      }
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < ' ' && c != '\t') || c == 0x7f) {
        throw new IllegalArgumentException(
            "the value of header "
                + name
                + " holds a control character (CR, LF or similar) at position "
                + i
                + "; remove it from the setting it came from");
      }
    }
    return value;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder("'");
    for (char c : s.toCharArray()) {
      b.append(c < ' ' || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.append('\'').toString();
  }
}
