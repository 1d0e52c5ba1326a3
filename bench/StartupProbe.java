import java.util.logging.Logger;

/**
 * Times the two start-up steps that open every jar on the class path when it is the CLI's:
 * initialising java.util.logging (JNA's loggers do it; the JDK then looks for a System.LoggerFinder
 * service in every jar) and looking up a class that is not there (what picocli's Groovy probe did).
 * Run with the class path to compare, as {@code java -cp CLASSPATH bench/StartupProbe.java}.
 */
public final class StartupProbe {
  public static void main(String[] args) throws Exception {
    long t0 = System.nanoTime();
    Logger.getLogger(StartupProbe.class.getName());
    long t1 = System.nanoTime();
    try {
      Class.forName("groovy.lang.Closure");
    } catch (ClassNotFoundException expected) {
      // not on the class path: the point of the probe
    }
    long t2 = System.nanoTime();
    System.out.printf(
        "java.util.logging initialised in %.1f ms; a missing class looked up in %.1f ms afterwards%n",
        (t1 - t0) / 1e6, (t2 - t1) / 1e6);
  }
}
