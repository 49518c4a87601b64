// Runs a Neo4j Community server the way Neo4j's own distribution does (its CommunityBootstrapper:
// the DBMS, Bolt, and the HTTP server with Neo4j Browser), for ror-graph's tests and local use.
//
//   java --add-opens=java.base/java.nio=ALL-UNNAMED ... -Xmx1g \
//        -cp "<lib>/*" Launcher.java --home DIR --bolt-port N [--http-port N] [--password PW]
//        [--guide-dir DIR --guide-port N] [--watch-pid PID]
//
// Java 17 single-file source launcher: no build step. Everything listens on 127.0.0.1 only.
// Auth is on: user neo4j, password from --password, else env ROR_NEO4J_PASSWORD, else
// "ror-graph-test". --http-port 0 (the default) leaves HTTP and Browser off. --guide-dir serves
// the files of DIR (the ror-graph Browser guide) on --guide-port with CORS headers, so Browser
// can `:play` them. Prints "NEO4J READY bolt://127.0.0.1:<port>" (and "NEO4J BROWSER
// http://127.0.0.1:<port>/browser/" when HTTP is on) on stdout when ready, then blocks until the
// process is terminated (SIGTERM/SIGINT) or until process --watch-pid PID ends; the
// bootstrapper's shutdown hook stops the DBMS cleanly.
//
// Bulk import (`ror neo4j load --bulk`): the folder <home>/bulk-import marks a server that
// ror-graph manages. A client on this machine writes <home>/bulk-import/request (lines
// "--nodes=FILE" / "--relationships=FILE" / "--array-delimiter=X" / "--multiline-fields=true");
// the launcher then stops the DBMS, runs Neo4j's own importer (`neo4j-admin database import
// full neo4j --overwrite-destination`) in a child JVM, starts the DBMS again on the same ports
// and writes <home>/bulk-import/result ("ok", or "failed: ..." after it has emptied the
// database). Prints "NEO4J READY ..." again when the DBMS is back.

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.server.CommunityBootstrapper;
import org.neo4j.server.configuration.ServerSettings;

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
        Path guideDir = null;
        int port = 7687;
        int httpPort = 0;
        int guidePort = 0;
        long watchPid = -1;
        String password = System.getenv().getOrDefault("ROR_NEO4J_PASSWORD", "ror-graph-test");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) usage("missing value for " + a);
            switch (a) {
                case "--home" -> home = Path.of(args[++i]).toAbsolutePath();
                case "--bolt-port" -> port = Integer.parseInt(args[++i]);
                case "--http-port" -> httpPort = Integer.parseInt(args[++i]);
                case "--guide-dir" -> guideDir = Path.of(args[++i]).toAbsolutePath();
                case "--guide-port" -> guidePort = Integer.parseInt(args[++i]);
                case "--password" -> password = args[++i];
                case "--watch-pid" -> watchPid = Long.parseLong(args[++i]);
                default -> usage("unknown argument " + a);
            }
        }
        if (home == null) usage("--home is required");
        if (password.length() < 8) usage("the password must have at least 8 characters");
        if ((guideDir == null) != (guidePort == 0)) usage("--guide-dir and --guide-port go together");

        Map<String, String> config = new HashMap<>();
        config.put(GraphDatabaseSettings.default_listen_address.name(), "127.0.0.1");
        config.put(GraphDatabaseSettings.default_advertised_address.name(), "127.0.0.1");
        config.put(BoltConnector.enabled.name(), "true");
        config.put(BoltConnector.listen_address.name(), "127.0.0.1:" + port);
        config.put(BoltConnector.advertised_address.name(), "127.0.0.1:" + port);
        config.put(HttpConnector.enabled.name(), String.valueOf(httpPort > 0));
        if (httpPort > 0) {
            config.put(HttpConnector.listen_address.name(), "127.0.0.1:" + httpPort);
            config.put(HttpConnector.advertised_address.name(), "127.0.0.1:" + httpPort);
        }
        config.put(HttpsConnector.enabled.name(), "false");
        config.put(GraphDatabaseSettings.routing_enabled.name(), "false");
        config.put(GraphDatabaseSettings.auth_enabled.name(), "true");
        // Tests try wrong passwords on purpose: never lock the user out after failures.
        config.put(GraphDatabaseSettings.auth_max_failed_attempts.name(), "0");
        config.put(GraphDatabaseSettings.pagecache_memory.name(), "128m");
        config.put(GraphDatabaseSettings.preallocate_logical_logs.name(), "false");
        config.put(GraphDatabaseSettings.keep_logical_logs.name(), "keep_none");
        config.put(GraphDatabaseSettings.logical_log_rotation_threshold.name(), "16m");
        config.put(GraphDatabaseSettings.udc_enabled.name(), "false");
        config.put(ServerSettings.allow_telemetry.name(), "false");
        // Netty waits a 5 s quiet period per event-loop group on shutdown (10 s in all).
        config.put(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period.name(), "0");
        if (guideDir != null) {
            // Browser fetches `:play` guides only from the hosts on this list.
            config.put(ServerSettings.browser_remote_content_hostname_whitelist.name(),
                    "127.0.0.1,localhost,guides.neo4j.com");
        }

        HttpServer guide = null;
        if (guideDir != null) {
            guide = serveDirectory(guideDir, guidePort);
        }

        Path bulkDir = home.resolve("bulk-import");
        Files.createDirectories(bulkDir);
        Files.deleteIfExists(bulkDir.resolve("request"));
        Files.deleteIfExists(bulkDir.resolve("result"));
        Files.writeString(bulkDir.resolve("pid"), ProcessHandle.current().pid() + "\n");

        CommunityBootstrapper bootstrapper = new CommunityBootstrapper();
        int code = bootstrapper.start(home, config);
        if (code != 0) {
            throw new IllegalStateException("the Neo4j server did not start (bootstrapper exit code " + code
                    + "); see " + home.resolve("logs"));
        }
        DatabaseManagementService dbms = bootstrapper.getDatabaseManagementService();

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

        if (httpPort > 0) {
            System.out.println("NEO4J BROWSER http://127.0.0.1:" + httpPort + "/browser/");
        }
        if (guide != null) {
            System.out.println("NEO4J GUIDE http://127.0.0.1:" + guidePort + "/");
        }
        System.out.println("NEO4J READY bolt://127.0.0.1:" + port);
        System.out.flush();
        while (true) { // until the JVM exits: serve bulk-import requests
            Path request = bulkDir.resolve("request");
            if (Files.exists(request)) {
                List<String> lines = Files.readAllLines(request);
                Files.delete(request);
                long t0 = System.nanoTime();
                String result = bulkImport(bootstrapper, home, bulkDir, lines);
                long t1 = System.nanoTime();
                bootstrapper = new CommunityBootstrapper();
                int restarted = bootstrapper.start(home, config);
                if (restarted != 0) {
                    throw new IllegalStateException("the Neo4j server did not restart after a bulk import "
                            + "(bootstrapper exit code " + restarted + "); see " + home.resolve("logs"));
                }
                bootstrapper.getDatabaseManagementService().database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME)
                        .executeTransactionally("RETURN 1");
                System.out.printf("NEO4J BULK %s: stop + import %.1f s, start %.1f s%n", result,
                        (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
                Path tmp = bulkDir.resolve("result.tmp");
                Files.writeString(tmp, result + "\n");
                Files.move(tmp, bulkDir.resolve("result"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                System.out.println("NEO4J READY bolt://127.0.0.1:" + port);
                System.out.flush();
            }
            Thread.sleep(100);
        }
    }

    /**
     * Stop the DBMS and run Neo4j's importer on the default database. Returns "ok", or
     * "failed: ..." after deleting what a failed import left, so that the restarted DBMS
     * creates the database empty. Only the options named in the class comment are accepted.
     */
    private static String bulkImport(CommunityBootstrapper bootstrapper, Path home, Path bulkDir,
                                     List<String> lines) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.neo4j.cli.AdminTool");
        cmd.addAll(List.of("database", "import", "full", GraphDatabaseSettings.DEFAULT_DATABASE_NAME,
                "--overwrite-destination=true", "--report-file=" + bulkDir.resolve("import.report")));
        for (String line : lines) {
            if (line.isBlank()) continue;
            if (!(line.startsWith("--nodes=") || line.startsWith("--relationships=")
                    || line.startsWith("--array-delimiter=") || line.equals("--multiline-fields=true"))) {
                return "failed: unknown request line " + line;
            }
            cmd.add(line);
        }
        Path conf = home.resolve("conf");
        Files.createDirectories(conf);
        if (!Files.exists(conf.resolve("neo4j.conf"))) {
            Files.writeString(conf.resolve("neo4j.conf"), "");
        }
        long t0 = System.nanoTime();
        bootstrapper.stop();
        System.out.printf("NEO4J BULK stopped the DBMS in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        ProcessBuilder builder = new ProcessBuilder(cmd).directory(bulkDir.toFile())
                .redirectErrorStream(true).redirectOutput(bulkDir.resolve("import.log").toFile());
        builder.environment().put("NEO4J_HOME", home.toString());
        builder.environment().put("NEO4J_CONF", conf.toString());
        int code = builder.start().waitFor();
        if (code == 0) {
            return "ok";
        }
        for (String dir : List.of("databases", "transactions")) {
            Path db = home.resolve("data").resolve(dir).resolve(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            if (Files.exists(db)) {
                try (Stream<Path> walk = Files.walk(db)) {
                    for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(f);
                    }
                }
            }
        }
        return "failed: the importer exited with code " + code + "; see " + bulkDir.resolve("import.log");
    }

    /** Serve the files directly in ``dir`` (no subfolders) on 127.0.0.1:port, with CORS. */
    private static HttpServer serveDirectory(Path dir, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        server.createContext("/", (HttpExchange exchange) -> {
            String name = exchange.getRequestURI().getPath().replaceFirst("^/+", "");
            Path file = dir.resolve(name).normalize();
            exchange.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
            if ("OPTIONS".equals(exchange.getRequestMethod())) {
                // CORS preflight: Browser's fetch sends a cache-control header.
                String asked = exchange.getRequestHeaders().getFirst("Access-Control-Request-Headers");
                exchange.getResponseHeaders().add("Access-Control-Allow-Methods", "GET, OPTIONS");
                exchange.getResponseHeaders().add("Access-Control-Allow-Headers", asked == null ? "*" : asked);
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                return;
            }
            byte[] body;
            int status;
            if (!name.isEmpty() && !name.contains("/") && file.startsWith(dir) && Files.isRegularFile(file)) {
                body = Files.readAllBytes(file);
                status = 200;
                String type = name.endsWith(".html") ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
                exchange.getResponseHeaders().add("Content-Type", type);
            } else {
                body = ("not found: /" + name + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                status = 404;
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static void usage(String why) {
        System.err.println("Launcher: " + why);
        System.err.println("usage: java -cp \"<lib>/*\" Launcher.java --home DIR --bolt-port N [--http-port N] "
                + "[--password PW] [--guide-dir DIR --guide-port N] [--watch-pid PID]");
        System.exit(2);
    }
}
