package dev.unideploy.image;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * image-formats' packages depend one way: the format packages on {@code dev.unideploy.image} and
 * {@code dev.unideploy.image.write}, the registries ({@code dev.unideploy.image.formats}) on the
 * format packages, and nothing back. The whole code base is checked by the CLI's ArchitectureTest;
 * this one fails in the module that introduces a cycle.
 */
class PackageCyclesTest {

  @Test
  void imageFormatsHasNoPackageCycles() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.unideploy.image");
    slices().matching("dev.unideploy.(**)").should().beFreeOfCycles().check(classes);
  }

  @Test
  void formatPackagesDoNotReachTheRegistries() {
    com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
        .that()
        .resideOutsideOfPackage("dev.unideploy.image.formats")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.unideploy.image.formats")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.unideploy.image"));
  }
}
