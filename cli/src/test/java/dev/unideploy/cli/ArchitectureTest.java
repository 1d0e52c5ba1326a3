package dev.unideploy.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code base, checked on every build: the CLI only parses, calls the pipeline and
 * renders; layers depend one way; no package cycles; no cloud SDK type outside its provider.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.unideploy");
  }

  @Test
  void theCliReachesProvidersOnlyThroughTheSpi() {
    noClasses()
        .that()
        .resideInAPackage("dev.unideploy.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.unideploy.provider..")
        .because("commands reach a provider through dev.unideploy.pipeline.spi (ServiceLoader)")
        .check(classes);
  }

  @Test
  void layersDependOneWay() {
    noClasses()
        .that()
        .resideInAPackage("dev.unideploy.image..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.unideploy.pipeline..", "dev.unideploy.provider..", "dev.unideploy.cli..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("dev.unideploy.pipeline..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.unideploy.provider..", "dev.unideploy.cli..", "dev.unideploy.sample..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("dev.unideploy.provider..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.unideploy.cli..", "dev.unideploy.sample..")
        .check(classes);
  }

  @Test
  void noProviderDependsOnAnother() {
    for (String p : new String[] {"local", "aws", "gcp", "azure"}) {
      noClasses()
          .that()
          .resideInAPackage("dev.unideploy.provider." + p + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(otherProviders(p))
          .allowEmptyShould(true)
          .check(classes);
    }
  }

  @Test
  void noPackageCycles() {
    slices().matching("dev.unideploy.(**)").should().beFreeOfCycles().check(classes);
  }

  @Test
  void cloudSdkTypesStayInTheirProvider() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.unideploy.provider.aws..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("software.amazon..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.unideploy.provider.gcp..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("com.google.cloud..", "com.google.api..", "com.google.auth..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.unideploy.provider.azure..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("com.azure..")
        .check(classes);
  }

  private static String[] otherProviders(String self) {
    return java.util.stream.Stream.of("local", "aws", "gcp", "azure")
        .filter(p -> !p.equals(self))
        .map(p -> "dev.unideploy.provider." + p + "..")
        .toArray(String[]::new);
  }
}
