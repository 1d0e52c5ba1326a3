#!/bin/sh
# Rebuilds the Jazzer seed corpus of ReaderFuzzTest
# (image-formats/src/test/resources/dev/unideploy/image/ReaderFuzzTestInputs) from source: each
# seed is a small image of known content that CraftedImages or CraftedTarballs (image-formats/src/test/java/dev/
# unideploy/image/readtest) lays out byte by byte, written by SeedCorpusWriter. The output is
# identical to the committed seeds, so `git status` shows a change only when CraftedImages changed.
# (The script lives here, not next to the seeds, because Jazzer takes every file in that folder
# as a seed.)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/image-formats"
mvn -B -ntp -q test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/seed-classpath.txt
java -cp "target/test-classes:target/classes:$(cat target/seed-classpath.txt)" \
  dev.unideploy.image.readtest.SeedCorpusWriter \
  src/test/resources/dev/unideploy/image/ReaderFuzzTestInputs
