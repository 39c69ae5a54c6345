package policykg.services;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.ClasspathPluginsNode;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * A single-node Elasticsearch (OSS server jar, no x-pack, hence no security) with the Netty4 HTTP
 * transport. The distribution is not published on Maven Central, so the server jar is started in
 * process as a {@link ClasspathPluginsNode} (the test framework's MockNode approach, see there).
 *
 * <p>Arguments (all {@code --key=value}): {@code --home} (required; data in {@code <home>/data}),
 * {@code --host} (default 127.0.0.1), {@code --http-port} (default 9200), {@code --transport-port}
 * (default 9300), {@code --cluster-name} (default policykg-local), {@code --ready-file} (written
 * once the node has started, removed on shutdown).
 */
public final class ElasticsearchServer {

    private ElasticsearchServer() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parseArgs(argv);
        String homeArg = args.get("home");
        if (homeArg == null) {
            fail("--home=DIR is required");
        }
        Path home = Path.of(homeArg).toAbsolutePath();
        String host = args.getOrDefault("host", "127.0.0.1");
        String httpPort = args.getOrDefault("http-port", "9200");
        String transportPort = args.getOrDefault("transport-port", "9300");
        String clusterName = args.getOrDefault("cluster-name", "policykg-local");
        Path readyFile = args.containsKey("ready-file") ? Path.of(args.get("ready-file")) : null;

        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        if (readyFile != null) {
            Files.deleteIfExists(readyFile);
        }

        Settings settings = Settings.builder()
                .put("cluster.name", clusterName)
                .put("node.name", "policykg-es")
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("network.host", host)
                .put("http.port", httpPort)
                .put("transport.port", transportPort)
                .put("transport.type", Netty4Plugin.NETTY_TRANSPORT_NAME)
                .put("http.type", Netty4Plugin.NETTY_HTTP_TRANSPORT_NAME)
                .put("discovery.type", "single-node")
                // A dev/CI disk that is >90% full must not turn indices read-only.
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put("action.destructive_requires_name", false)
                .build();

        // Logging as a distribution does it: log4j2.properties in <home>/config (ours, from the jar).
        Path configDir = home.resolve("config");
        Files.createDirectories(configDir);
        try (InputStream in = ElasticsearchServer.class.getResourceAsStream("/policykg-es-log4j2.properties")) {
            Files.copy(in, configDir.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }
        Environment env = InternalSettingsPreparer.prepareEnvironment(
                settings, Map.of(), configDir, () -> "policykg-es");
        LogConfigurator.setNodeName("policykg-es");
        LogConfigurator.setClusterName(clusterName);
        PrintStream console = System.out; // LogConfigurator redirects System.out/err into log4j
        LogConfigurator.configure(env, true);

        List<Class<? extends Plugin>> plugins = List.of(Netty4Plugin.class, BasicTokenizersPlugin.class, RootEndpointPlugin.class);
        Node node = new ClasspathPluginsNode(env, plugins);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            console.println("[policykg] shutting down Elasticsearch");
            try {
                if (readyFile != null) {
                    Files.deleteIfExists(readyFile);
                }
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                console.println("[policykg] error while closing Elasticsearch: " + e);
            }
            console.println("[policykg] Elasticsearch stopped");
            stopped.countDown();
        }, "es-shutdown"));

        node.start();
        if (readyFile != null) {
            Files.writeString(readyFile, ProcessHandle.current().pid() + "\n");
        }
        console.printf("[policykg] Elasticsearch ready: http://%s:%s (cluster %s, security off)%n",
                host, httpPort, clusterName);
        stopped.await();
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
        System.err.println("[policykg] es-server: " + msg);
        System.exit(2);
    }
}
