package io.seedflow.tests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The module boundaries of DESIGN.md, enforced. */
class ArchitectureTest {
    private static final JavaClasses SEEDFLOW = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.seedflow");

    @Test
    void coreStaysFreeOfFrameworks() {
        noClasses().that().resideInAPackage("io.seedflow.core..").should().dependOnClassesThat()
                .resideInAnyPackage("org.apache.flink..", "org.apache.kafka..", "jcuda..", "org.apache.avro..",
                        "io.seedflow.schemas..", "io.seedflow.connectors..", "io.seedflow.jobs..")
                .check(SEEDFLOW);
    }

    @Test
    void onlyGpuOpsTouchesJcuda() {
        noClasses().that().resideOutsideOfPackage("io.seedflow.gpu..").should().dependOnClassesThat()
                .resideInAPackage("jcuda..").check(SEEDFLOW);
    }

    @Test
    void connectorsDoNotDependOnJobsOrOperators() {
        noClasses().that().resideInAPackage("io.seedflow.connectors..").should().dependOnClassesThat()
                .resideInAnyPackage("io.seedflow.jobs..", "io.seedflow.operators..").check(SEEDFLOW);
    }

    @Test
    void operatorsDoNotDependOnConnectorsOrJobs() {
        noClasses().that().resideInAPackage("io.seedflow.operators..").should().dependOnClassesThat()
                .resideInAnyPackage("io.seedflow.connectors..", "io.seedflow.jobs..", "org.apache.kafka..")
                .check(SEEDFLOW);
    }
}
