package dev.unideploy.image;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.unideploy.image.readtest.FuzzHarness;

/**
 * Jazzer fuzz tests, one per reader. {@code mvn verify} runs them in regression mode over the seed
 * corpus in {@code src/test/resources/dev/unideploy/image/ReaderFuzzTestInputs} (valid crafted
 * images, written by {@code SeedCorpusWriter}); {@code scripts/fuzz.sh} fuzzes each for real (see
 * docs/fuzzing.md).
 */
class ReaderFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void fuzzQcow2(byte[] input) {
    FuzzHarness.run(ImageFormat.QCOW2, input);
  }

  @FuzzTest(maxDuration = "10s")
  void fuzzVmdk(byte[] input) {
    FuzzHarness.run(ImageFormat.VMDK, input);
  }

  @FuzzTest(maxDuration = "10s")
  void fuzzVhd(byte[] input) {
    FuzzHarness.run(ImageFormat.VHD, input);
  }

  @FuzzTest(maxDuration = "10s")
  void fuzzDetectedAndRaw(byte[] input) {
    FuzzHarness.run(null, input);
  }

  @FuzzTest(maxDuration = "10s")
  void fuzzVmdkDescriptor(byte[] input) {
    FuzzHarness.runVmdkDescriptor(input);
  }

  @FuzzTest(maxDuration = "10s")
  void fuzzGceTarball(byte[] input) {
    FuzzHarness.runGceTarball(input);
  }
}
