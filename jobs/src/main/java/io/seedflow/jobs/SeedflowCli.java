package io.seedflow.jobs;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.SeedFlowException;
import io.seedflow.jobs.cli.AuditCommand;
import io.seedflow.jobs.cli.BenchStreamingCommand;
import io.seedflow.jobs.cli.BrokerCommand;
import io.seedflow.jobs.cli.CommandLineErrors;
import io.seedflow.jobs.cli.DemoCommand;
import io.seedflow.jobs.cli.PlotCommand;
import io.seedflow.jobs.cli.ProduceCommand;
import io.seedflow.jobs.cli.RegistryCommand;
import io.seedflow.jobs.cli.ReplayCommand;
import io.seedflow.jobs.cli.ReplicaCommand;
import io.seedflow.jobs.cli.RollbackCommand;
import io.seedflow.jobs.cli.RunCommand;
import io.seedflow.jobs.cli.SettingsCommand;
import io.seedflow.jobs.cli.StudyCommand;
import io.seedflow.jobs.cli.TrainOfflineCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code seedflow} command line. */
@Command(name = "seedflow", mixinStandardHelpOptions = true, version = "seedflow 0.1.0",
        description = "Continual zeroth-order fine-tuning with a seed+scalar update log.",
        subcommands = {DemoCommand.class, RunCommand.class, ReplicaCommand.class, AuditCommand.class, RollbackCommand.class,
            RegistryCommand.class,
            ProduceCommand.class, BrokerCommand.class, TrainOfflineCommand.class, ReplayCommand.class,
            PlotCommand.class, BenchStreamingCommand.class, StudyCommand.class, SettingsCommand.class,
            CommandLine.HelpCommand.class})
public final class SeedflowCli {
    public static void main(String[] args) {
        int code = execute(args);
        // `run` may execute inside a Flink JobManager (application mode), where System.exit would end the cluster
        // process; it returns normally when the job ends
        if (code != 0 || args.length == 0 || !args[0].equals("run")) {
            System.exit(code);
        }
    }

    /** Runs the command line and returns its exit code (2 for usage errors, 1 for SeedFlow errors). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new SeedflowCli()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, ignoredArgs) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("seedflow: " + ex.getMessage() + " (see " + cmd.getCommandSpec().qualifiedName()
                    + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof InvalidConfigurationException invalid) {
                cmd.getErr().println("seedflow: " + CommandLineErrors.inFlags(invalid, cmd.getCommandSpec()));
                return 1;
            }
            if (ex instanceof org.apache.kafka.common.KafkaException) { // e.g. no broker at --bootstrap-servers
                cmd.getErr().println("seedflow: " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                        + " (is a Kafka broker reachable at --bootstrap-servers?)");
                return 1;
            }
            if (ex instanceof SeedFlowException || ex instanceof IllegalArgumentException) {
                cmd.getErr().println("seedflow: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cli.execute(args);
    }

}
