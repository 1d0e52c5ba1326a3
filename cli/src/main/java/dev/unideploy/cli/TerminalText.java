package dev.unideploy.cli;

/**
 * Text made safe to print on a terminal or into a CI log: control characters (which could move the
 * cursor, retitle the window or fake output when they come from a guest's console, a cloud's error
 * message or a file name) are shown as {@code ^X} / {@code \\u009b} instead of being sent.
 */
final class TerminalText {
  private TerminalText() {}

  static String sanitize(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control = (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c < 0xa0);
      if (control && sb == null) {
        sb = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      if (sb != null) {
        if (!control) {
          sb.append(c);
        } else if (c < 0x20) {
          sb.append('^').append((char) (c + 0x40));
        } else {
          sb.append(String.format("\\u%04x", (int) c));
        }
      }
    }
    return sb == null ? s : sb.toString();
  }
}
