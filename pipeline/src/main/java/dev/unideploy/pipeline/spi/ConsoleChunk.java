package dev.unideploy.pipeline.spi;

/** Serial console text read from some offset, and the offset to read from next time. */
public record ConsoleChunk(String text, long next) {
  public ConsoleChunk {
    text = text == null ? "" : text;
  }
}
