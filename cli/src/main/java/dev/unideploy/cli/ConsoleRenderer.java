package dev.unideploy.cli;

import dev.unideploy.pipeline.events.Event;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.events.ResultEvent;
import dev.unideploy.pipeline.events.TimingEvent;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Draws events for a person: a redrawn progress bar on a terminal, or plain throttled lines when
 * stderr is not a terminal (CI logs must not fill with carriage returns).
 */
final class ConsoleRenderer implements EventSink {
  private static final long PLAIN_INTERVAL_NANOS = 5_000_000_000L;
  private static final int BAR_WIDTH = 30;

  private final PrintStream err;
  private final boolean interactive;
  private final boolean color;
  private final boolean verbose;
  private final LongSupplier clock;
  private final Map<String, Long> lastPlainLine = new HashMap<>();
  private final Map<String, Integer> lastPlainDecile = new HashMap<>();
  private final Map<String, Long> started = new HashMap<>();
  private boolean barOnScreen;

  ConsoleRenderer(
      PrintStream err, boolean interactive, boolean color, boolean verbose, LongSupplier clock) {
    this.err = err;
    this.interactive = interactive;
    this.color = color && interactive;
    this.verbose = verbose;
    this.clock = clock;
  }

  static ConsoleRenderer forStderr(GlobalOptions options) {
    // System.console() is null when either stdin or stdout is redirected; CI sets CI=true.
    boolean tty = System.console() != null && System.getenv("CI") == null;
    return new ConsoleRenderer(
        System.err, tty, options.color(), options.verbose(), System::nanoTime);
  }

  @Override
  public synchronized void emit(Event event) {
    if (event instanceof ProgressEvent p) {
      progress(p);
    } else if (event instanceof LogEvent l) {
      if (l.level() == LogEvent.Level.DEBUG && !verbose) {
        return;
      }
      line(prefix(l.level()) + TerminalText.sanitize(l.message()));
    } else if (event instanceof TimingEvent t) {
      if (verbose) {
        line(String.format(Locale.ROOT, "%s took %.1f s", t.step(), t.elapsed().toMillis() / 1e3));
      }
    } else if (event instanceof ResultEvent) {
      // The command prints its own result (text summary or JSON on stdout).
    }
  }

  private String prefix(LogEvent.Level level) {
    return switch (level) {
      case WARN -> color ? "\u001b[33mwarning:\u001b[0m " : "warning: ";
      case DEBUG -> "debug: ";
      case INFO -> "";
    };
  }

  private void line(String text) {
    clearBar();
    err.println(text);
    err.flush();
  }

  private void clearBar() {
    if (barOnScreen) {
      err.print("\r\u001b[2K");
      barOnScreen = false;
    }
  }

  private void progress(ProgressEvent p) {
    long now = clock.getAsLong();
    started.putIfAbsent(p.task(), now);
    double seconds = Math.max(1e-9, (now - started.get(p.task())) / 1e9);
    String text = TerminalText.sanitize(describe(p, seconds));
    if (interactive) {
      err.print("\r\u001b[2K" + bar(p) + " " + text);
      barOnScreen = true;
      if (p.finished()) {
        err.println();
        barOnScreen = false;
        started.remove(p.task());
      }
      err.flush();
      return;
    }
    // Plain mode: a line at start, at each tenth, at most every 5 s otherwise, and at the end.
    int decile = p.fraction() < 0 ? -1 : (int) (p.fraction() * 10);
    Long last = lastPlainLine.get(p.task());
    Integer lastDecile = lastPlainDecile.get(p.task());
    boolean due =
        last == null
            || p.finished()
            || now - last >= PLAIN_INTERVAL_NANOS
            || (decile >= 0 && (lastDecile == null || decile > lastDecile));
    if (due) {
      line(text);
      lastPlainLine.put(p.task(), now);
      lastPlainDecile.put(p.task(), decile);
    }
    if (p.finished()) {
      lastPlainLine.remove(p.task());
      lastPlainDecile.remove(p.task());
      started.remove(p.task());
    }
  }

  private String bar(ProgressEvent p) {
    double f = p.fraction();
    if (f < 0) {
      return "[" + " ".repeat(BAR_WIDTH) + "]";
    }
    int filled = (int) Math.round(f * BAR_WIDTH);
    String done = "=".repeat(filled);
    if (color) {
      done = "\u001b[32m" + done + "\u001b[0m";
    }
    return "[" + done + " ".repeat(BAR_WIDTH - filled) + "]";
  }

  static String describe(ProgressEvent p, double seconds) {
    StringBuilder sb = new StringBuilder(p.task()).append(": ");
    if (p.unit() == ProgressEvent.Unit.BYTES) {
      sb.append(Sizes.human(p.done()));
      if (p.total() >= 0) {
        sb.append(" / ").append(Sizes.human(p.total()));
      }
      if (seconds >= 0.5) {
        // A rate over the first instants is noise (a first chunk "at 900 TiB/s").
        sb.append(String.format(Locale.ROOT, " (%s/s)", Sizes.human((long) (p.done() / seconds))));
      }
    } else {
      sb.append(p.done());
      if (p.total() >= 0) {
        sb.append(" / ").append(p.total());
      }
      sb.append(' ').append(p.unit().name().toLowerCase(Locale.ROOT));
    }
    if (p.fraction() >= 0) {
      sb.append(String.format(Locale.ROOT, " %3d%%", (int) (p.fraction() * 100)));
    }
    if (p.finished()) {
      sb.append(String.format(Locale.ROOT, " done in %.1f s", seconds));
    }
    return sb.toString();
  }
}
