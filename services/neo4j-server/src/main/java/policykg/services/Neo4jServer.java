package policykg.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Neo4j Community (embedded) with its Bolt connector, for local development and CI.
 *
 * <p>Arguments (all {@code --key=value}): {@code --home} (required, Neo4j home; data lives in
 * {@code <home>/data}), {@code --host} (default 127.0.0.1), {@code --port} (default 7687),
 * {@code --pagecache-mb} (default 256), {@code --ready-file} (written once the server accepts
 * authenticated Bolt sessions, removed on shutdown).
 *
 * <p>Environment: {@code NEO4J_PASSWORD} (required, at least 8 characters) becomes the password of
 * user {@code neo4j}; {@code NEO4J_AUTH=none} disables authentication instead.
 */
public final class Neo4jServer {

    private Neo4jServer() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parseArgs(argv);
        String homeArg = args.get("home");
        if (homeArg == null) {
            fail("--home=DIR is required");
        }
        Path home = Path.of(homeArg).toAbsolutePath();
        String host = args.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(args.getOrDefault("port", "7687"));
        long pageCacheMb = Long.parseLong(args.getOrDefault("pagecache-mb", "256"));
        Path readyFile = args.containsKey("ready-file") ? Path.of(args.get("ready-file")) : null;

        boolean authEnabled = !"none".equalsIgnoreCase(System.getenv().getOrDefault("NEO4J_AUTH", ""));
        String password = System.getenv("NEO4J_PASSWORD");
        if (authEnabled && (password == null || password.isEmpty())) {
            fail("NEO4J_PASSWORD is not set (or set NEO4J_AUTH=none to run without authentication)");
        }
        if (authEnabled && password.length() < 8) {
            fail("NEO4J_PASSWORD must have at least 8 characters (Neo4j's minimum password length)");
        }

        Files.createDirectories(home);
        if (readyFile != null) {
            Files.deleteIfExists(readyFile);
        }

        Log4jLogProvider logProvider = new Log4jLogProvider(System.out, Level.INFO);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setUserLogProvider(logProvider)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, authEnabled)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[policykg] shutting down Neo4j");
            try {
                if (readyFile != null) {
                    Files.deleteIfExists(readyFile);
                }
            } catch (IOException ignored) {
                // best effort
            }
            dbms.shutdown();
            System.out.println("[policykg] Neo4j stopped");
            stopped.countDown();
        }, "neo4j-shutdown"));

        if (authEnabled) {
            setPassword(dbms, password);
        }
        // Make sure the default database is up before declaring readiness.
        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");

        if (readyFile != null) {
            Files.writeString(readyFile, ProcessHandle.current().pid() + "\n");
        }
        System.out.printf("[policykg] Neo4j ready: bolt://%s:%d (auth %s)%n",
                host, port, authEnabled ? "enabled, user neo4j" : "DISABLED");
        stopped.await();
    }

    /** Sets the password of user neo4j through the system database (embedded access needs no login). */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (RuntimeException e) {
            // Restart on an existing data dir with the same password: Neo4j refuses a "change" to
            // the current password, which is exactly the state we want.
            if (!String.valueOf(rootMessage(e)).toLowerCase().contains("cannot be the same")) {
                throw e;
            }
        }
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    private static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> out = new HashMap<>();
        for (String a : argv) {
            if (!a.startsWith("--") || !a.contains("=")) {
                fail("unexpected argument: " + a + " (expected --key=value)");
            }
            int eq = a.indexOf('=');
            out.put(a.substring(2, eq), a.substring(eq + 1));
        }
        return out;
    }

    private static void fail(String msg) {
        System.err.println("[policykg] neo4j-server: " + msg);
        System.exit(2);
    }
}
