// Runs an embedded Neo4j Community DBMS with a Bolt connector, for ror-graph's tests.
//
//   java --add-opens=java.base/java.nio=ALL-UNNAMED ... -Xmx1g \
//        -cp "<lib>/*" Launcher.java --home DIR --bolt-port N [--password PW]
//
// Java 17 single-file source launcher: no build step. Auth is on: user neo4j, password from
// --password, else env ROR_NEO4J_PASSWORD, else "ror-graph-test". Prints one line
// "NEO4J READY bolt://127.0.0.1:<port>" on stdout when Bolt accepts connections, then blocks
// until the process is terminated (SIGTERM/SIGINT), or until process --watch-pid PID ends;
// a shutdown hook stops the DBMS cleanly.

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

public class Launcher {
    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            t.printStackTrace();
            // Last, so that a log tail shows it: every cause's message, outermost first.
            for (Throwable c = t; c != null; c = c.getCause()) {
                System.err.println((c == t ? "NEO4J FAILED: " : "  caused by: ") + c);
            }
            System.exit(1); // runs the shutdown hook, if the DBMS got that far
        }
    }

    private static void run(String[] args) throws Exception {
        Path home = null;
        int port = 7687;
        long watchPid = -1;
        String password = System.getenv().getOrDefault("ROR_NEO4J_PASSWORD", "ror-graph-test");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) usage("missing value for " + a);
            switch (a) {
                case "--home" -> home = Path.of(args[++i]).toAbsolutePath();
                case "--bolt-port" -> port = Integer.parseInt(args[++i]);
                case "--password" -> password = args[++i];
                case "--watch-pid" -> watchPid = Long.parseLong(args[++i]);
                default -> usage("unknown argument " + a);
            }
        }
        if (home == null) usage("--home is required");
        if (password.length() < 8) usage("the password must have at least 8 characters");

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress("127.0.0.1"))
                .setConfig(GraphDatabaseSettings.routing_enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // Tests try wrong passwords on purpose: never lock the user out after failures.
                .setConfig(GraphDatabaseSettings.auth_max_failed_attempts, 0)
                .setConfig(GraphDatabaseSettings.pagecache_memory, 128L * 1024 * 1024)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "keep_none")
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 16L * 1024 * 1024)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Netty waits a 5 s quiet period per event-loop group on shutdown (10 s in all).
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("NEO4J STOPPING");
            dbms.shutdown();
            System.out.println("NEO4J STOPPED");
            System.out.flush();
            stopped.countDown();
        }, "neo4j-shutdown"));

        // The initial user neo4j starts with password "neo4j" (change required). Set ours through
        // the system database; this also applies a changed password when an old home is reused.
        GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED",
                    java.util.Map.of("pw", password));
        } catch (RuntimeException e) {
            // Raised when the password is already the one asked for (a restart on the same home).
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");

        if (watchPid > 0) {
            // Stop with the process that started us (e.g. a test run that died without stop()).
            ProcessHandle.of(watchPid).ifPresentOrElse(
                    p -> p.onExit().thenRun(() -> System.exit(0)),
                    () -> System.exit(0));
        }

        System.out.println("NEO4J READY bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }

    private static void usage(String why) {
        System.err.println("Launcher: " + why);
        System.err.println("usage: java -cp \"<lib>/*\" Launcher.java --home DIR --bolt-port N [--password PW] [--watch-pid PID]");
        System.exit(2);
    }
}
