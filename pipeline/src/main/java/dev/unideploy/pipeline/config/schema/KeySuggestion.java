package dev.unideploy.pipeline.config.schema;

import java.util.Collection;
import java.util.Locale;
import org.apache.commons.text.similarity.LevenshteinDistance;

/** The known key a misspelled one most likely meant ("did you mean ...?"). */
final class KeySuggestion {
  private KeySuggestion() {}

  /**
   * The closest of {@code known} to {@code typed}, ignoring case, or null when none is close: at
   * most two edits, or a third of the longer name (a typo, not another word).
   */
  static String closest(String typed, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int limit = Math.max(2, Math.max(k.length(), typed.length()) / 3);
      Integer d =
          new LevenshteinDistance(limit)
              .apply(typed.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d >= 0 && d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }
}
