package vn.hoitin.opensearch;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node with the HTTP/transport and common-analysis modules on the classpath.
 *
 * <p>Arguments are node settings, {@code key=value} each ({@code path.home}, {@code http.port},
 * {@code discovery.seed_hosts}, ...). A distribution would load its modules from a folder; here
 * they come from Maven, so they are handed to the node as classpath plugins, which only
 * {@link Node}'s protected constructor accepts (the test framework's MockNode does the same, but
 * needs a randomized-testing context). Prints {@code started} when the node is up; SIGTERM closes
 * it cleanly, SIGKILL is a node failure the cluster must survive.
 */
public final class OpenSearchNode extends Node {
    private OpenSearchNode(Settings settings) {
        super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> settings.get("node.name")),
              List.of(Netty4Plugin.class, CommonAnalysisPlugin.class), true);
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder settings = Settings.builder();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("a setting is key=value, not " + arg);
            }
            settings.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        Node node = new OpenSearchNode(settings.build());
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "close the node"));
        node.start();
        System.out.println("started");
        System.out.flush();
        closed.await();
    }
}
