package org.elasticsearch.node;

import java.util.Collection;
import java.util.List;

import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

/**
 * An Elasticsearch {@link Node} whose plugins are given as classes on the classpath instead of
 * being loaded from a distribution's modules/ and plugins/ directories.
 *
 * <p>This is what the test framework's {@code MockNode} does, without {@code MockNode}'s
 * environment preparation: that one initialises {@code ESTestCase}, whose static bootstrap
 * refuses to run as root and installs test-only hooks. It lives in {@code org.elasticsearch.node}
 * because {@code NodeConstruction} and {@code NodeServiceProvider} are package-private; that only
 * works on the plain classpath (not the module path), which is how the launcher runs it.
 */
public class ClasspathPluginsNode extends Node {

    private final List<Class<? extends Plugin>> pluginClasses;

    public ClasspathPluginsNode(Environment environment, Collection<Class<? extends Plugin>> pluginClasses) {
        super(NodeConstruction.prepareConstruction(environment, null, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, PluginsLoader ignored) {
                return new MockPluginsService(env.settings(), env, pluginClasses);
            }
        }, true));
        this.pluginClasses = List.copyOf(pluginClasses);
    }

    public List<Class<? extends Plugin>> pluginClasses() {
        return pluginClasses;
    }
}
